import { z } from 'zod';
import {
  LANGUAGES,
  LETTER_STATUSES,
  VISIBILITIES,
  type Language,
  type LetterStatus,
  type Visibility,
} from '../../core/letters/letter.entity';
import { controlCharacterErrors, formText, type FormResult } from '../../platform/web/validate';
import { SLUG_PATTERN } from '../../core/letters/slug';

/** One row per language at most, so the form never needs more rows than languages. */
export const MAX_TRANSLATIONS = LANGUAGES.length;

const text = (max: number) => formText(max, 'organisers.errors.tooLong');

const required = (max: number) => text(max).pipe(z.string().min(1, { message: 'organisers.errors.required' }));

const letterSchema = z.object({
  slug: text(120)
    .pipe(z.string().regex(SLUG_PATTERN, { message: 'organisers.errors.slug' }))
    // /organise/letters/new is the creation page.
    .refine((s) => s !== 'new', { message: 'organisers.errors.slugTaken' })
    .optional(),
  status: z.enum(LETTER_STATUSES, { message: 'organisers.errors.invalid' }).optional(),
  goal: text(12).pipe(
    z
      .string()
      .regex(/^\d*$/, { message: 'organisers.errors.goal' })
      .transform((s) => (s ? Number(s) : null))
      .refine((n) => n === null || (n > 0 && n <= 100_000_000), { message: 'organisers.errors.goal' }),
  ),
  closesAt: text(10).pipe(
    z
      .string()
      .refine((s) => !s || (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))), {
        message: 'organisers.errors.date',
      })
      // A deadline is a whole day: the letter takes signatures until the end of it (UTC).
      .transform((s) => (s ? new Date(`${s}T23:59:59Z`) : null)),
  ),
  defaultLanguage: z.enum(LANGUAGES, { message: 'organisers.errors.invalid' }),
  publicNamesDefault: z.enum(VISIBILITIES, { message: 'organisers.errors.invalid' }),
});

const translationSchema = z.object({
  language: z.enum(LANGUAGES, { message: 'organisers.errors.language' }),
  title: required(200),
  shortTitle: text(70).transform((s) => s || null),
  summary: text(400),
  body: required(100_000),
  recipient: required(300),
});

export interface TranslationInput {
  language: Language;
  title: string;
  shortTitle: string | null;
  summary: string;
  body: string;
  recipient: string;
}

export interface LetterInput {
  slug?: string;
  status?: LetterStatus;
  goal: number | null;
  closesAt: Date | null;
  defaultLanguage: Language;
  publicNamesDefault: Visibility;
  translations: TranslationInput[];
}

/** The raw form, as the page shows it again (translation rows in order). */
export interface LetterFormValues {
  slug: string;
  status: string;
  goal: string;
  closesAt: string;
  defaultLanguage: string;
  publicNamesDefault: string;
  translations: Array<{
    language: string;
    title: string;
    shortTitle: string;
    summary: string;
    body: string;
    recipient: string;
    remove: boolean;
  }>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Translation rows are flat fields tr0_title, tr0_body, …: the form works without JavaScript. */
export function letterFormValues(body: unknown): LetterFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const translations: LetterFormValues['translations'] = [];
  for (let i = 0; i < MAX_TRANSLATIONS; i++) {
    const row = {
      language: str(b[`tr${i}_language`]),
      title: str(b[`tr${i}_title`]),
      shortTitle: str(b[`tr${i}_shortTitle`]),
      summary: str(b[`tr${i}_summary`]),
      body: str(b[`tr${i}_body`]),
      recipient: str(b[`tr${i}_recipient`]),
      remove: b[`tr${i}_remove`] === 'on',
    };
    translations.push(row);
  }
  return {
    slug: str(b.slug),
    status: str(b.status),
    goal: str(b.goal),
    closesAt: str(b.closesAt),
    defaultLanguage: str(b.defaultLanguage),
    publicNamesDefault: str(b.publicNamesDefault),
    translations,
  };
}

/**
 * Parses the letter form. Rows left blank (the spare "add a language" rows) and rows marked for
 * removal are skipped; at least one version must remain, one per language, and the letter's
 * default language must be one of them. Errors are keyed by field name (tr1_title, …).
 */
export function parseLetterForm(
  body: unknown,
  opts: { withSlug: boolean; withStatus: boolean },
): FormResult<LetterInput> {
  const values = letterFormValues(body);
  // Field names are the form's own (slug, tr0_title, …), so a refused field is marked where it is.
  const errors: Record<string, string> = controlCharacterErrors(body);
  const letter = letterSchema.safeParse({
    slug: opts.withSlug ? values.slug : undefined,
    status: opts.withStatus ? values.status : undefined,
    goal: values.goal,
    closesAt: values.closesAt,
    defaultLanguage: values.defaultLanguage,
    publicNamesDefault: values.publicNamesDefault,
  });
  if (!letter.success)
    for (const issue of letter.error.issues)
      errors[String(issue.path[0])] ??= issue.message.startsWith('organisers.')
        ? issue.message
        : 'organisers.errors.invalid';
  if (opts.withSlug && !values.slug.trim()) errors.slug = 'organisers.errors.required';

  const translations: TranslationInput[] = [];
  const seen = new Set<string>();
  values.translations.forEach((row, i) => {
    if (row.remove) return;
    const blank =
      !row.title.trim() && !row.shortTitle.trim() && !row.body.trim() && !row.summary.trim() && !row.recipient.trim();
    if (blank) return;
    const parsed = translationSchema.safeParse(row);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        errors[`tr${i}_${String(issue.path[0])}`] ??= issue.message.startsWith('organisers.')
          ? issue.message
          : 'organisers.errors.invalid';
      return;
    }
    if (seen.has(parsed.data.language)) {
      errors[`tr${i}_language`] = 'organisers.errors.languageTwice';
      return;
    }
    seen.add(parsed.data.language);
    translations.push(parsed.data);
  });
  const rowErrors = Object.keys(errors).some((k) => k.startsWith('tr'));
  if (!translations.length && !rowErrors) errors.translations = 'organisers.errors.noTranslation';
  if (letter.success && translations.length && !seen.has(letter.data.defaultLanguage)) {
    errors.defaultLanguage = 'organisers.errors.defaultLanguage';
  }
  if (Object.keys(errors).length || !letter.success) return { ok: false, errors };
  return { ok: true, data: { ...letter.data, translations } };
}
