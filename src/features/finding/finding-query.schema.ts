import { z } from 'zod';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const LETTER_SORTS = ['signed', 'newest', 'closing'] as const;
export type LetterSort = (typeof LETTER_SORTS)[number];

/** What came of a letter, or where it stands: `open` and `closed` as the letter page says them. */
export const LETTER_FILTERS = ['open', 'closed', 'delivered', 'answered', 'all'] as const;
export type LetterFilter = (typeof LETTER_FILTERS)[number];

/** Letters on one page of the list. */
export const FINDING_PAGE_SIZE = 20;
/**
 * The last page a reader may ask for: pages are numbered (a reader can link to page 3), and a
 * number past this one is refused, so the deepest page costs at most this many pages' rows.
 * Beyond it a reader narrows the list by a search or a filter.
 */
export const FINDING_MAX_PAGES = 50;

/** Characters a search needs once punctuation is dropped: fewer give no trigram for the index. */
export const LETTER_SEARCH_MIN_CHARACTERS = 3;
export const LETTER_SEARCH_MAX_CHARACTERS = 100;

/**
 * The home page's and the archive's query string: every choice is in the URL, so a list can be
 * linked to and reloaded. Unknown parameters (the interface's `lang`) are ignored.
 */
export const findingQuerySchema = z.object({
  sort: z.preprocess(blankToUndefined, z.enum(LETTER_SORTS).optional()),
  filter: z.preprocess(blankToUndefined, z.enum(LETTER_FILTERS).optional()),
  q: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() || undefined : v),
    z
      .string()
      .max(LETTER_SEARCH_MAX_CHARACTERS, 'finding.errors.searchLong')
      .refine(
        (v) => v.replace(/[^\p{L}\p{N}]+/gu, '').length >= LETTER_SEARCH_MIN_CHARACTERS,
        'finding.errors.searchShort',
      )
      .optional(),
  ),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(FINDING_MAX_PAGES).default(1)),
});

export type FindingQuery = z.infer<typeof findingQuerySchema>;
