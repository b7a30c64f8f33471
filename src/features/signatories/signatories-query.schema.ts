import { z } from 'zod';
import { isLanguage, isCountryCode } from '../../platform/web/i18n';
import { SIGNED_AS } from '../signatures';
import { SIGNATORIES_ORDERS } from './signatories.service';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * Characters a search needs once punctuation is folded to spaces ("А. Ө." is "а ө", three): fewer
 * give no trigram, and the index could not narrow a large list.
 */
export const SEARCH_MIN_CHARACTERS = 3;
export const SEARCH_MAX_CHARACTERS = 100;

/**
 * The list page's query string: every filter is in the URL, so a page can be linked to and
 * reloaded. Unknown parameters (the interface's `lang`) are ignored.
 */
export const signatoriesQuerySchema = z.object({
  order: z.preprocess(blankToUndefined, z.enum(SIGNATORIES_ORDERS).default('newest')),
  kind: z.preprocess(blankToUndefined, z.enum(SIGNED_AS).optional()),
  country: z.preprocess(blankToUndefined, z.string().toUpperCase().refine(isCountryCode).optional()),
  source: z.preprocess(blankToUndefined, z.enum(['online', 'paper']).optional()),
  /** The text version signed: `<language>-<number>`. */
  text: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z]{2}-\d{1,4}$/)
      .refine((v) => isLanguage(v.slice(0, 2)))
      .optional(),
  ),
  q: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() || undefined : v),
    z
      .string()
      .max(SEARCH_MAX_CHARACTERS, 'signatories.errors.searchLong')
      .refine(
        (v) => v.replace(/[^\p{L}\p{N}]+/gu, ' ').trim().length >= SEARCH_MIN_CHARACTERS,
        'signatories.errors.searchShort',
      )
      .optional(),
  ),
  /** Only signatories with an approved comment: `comments=1`. */
  comments: z.preprocess(blankToUndefined, z.literal('1').optional()),
  /** The page's cursor (signatories.service.ts encodeCursor). */
  page: z.preprocess(blankToUndefined, z.string().max(600).optional()),
});

export type SignatoriesQuery = z.infer<typeof signatoriesQuerySchema>;
