import { z } from 'zod';
import type { Language } from '../../core/letters/letter.entity';

/** Longer alt text belongs in the letter: screen readers read it whole, every time. */
export const ALT_TEXT_MAX = 300;

const altText = z
  .string({ message: 'headerImages.errors.altTooLong' })
  .optional()
  .transform((s) => (s ?? '').normalize('NFC').replace(/\s+/g, ' ').trim())
  .pipe(z.string().max(ALT_TEXT_MAX, { message: 'headerImages.errors.altTooLong' }));

/**
 * The image form's alt texts, one field `alt_<language>` per language of the letter: the letter's
 * default language must have one (an image without it says nothing to a reader who cannot see
 * it); the others may stay empty and fall back to it.
 */
export function headerImageAltSchema(languages: readonly Language[], defaultLanguage: Language) {
  const shape: Record<string, typeof altText> = {};
  for (const lang of languages) shape[`alt_${lang}`] = altText;
  return z
    .object(shape)
    .superRefine((form, c) => {
      if (!form[`alt_${defaultLanguage}`])
        c.addIssue({ code: 'custom', path: [`alt_${defaultLanguage}`], message: 'headerImages.errors.altRequired' });
    })
    .transform((form) => {
      const alt: Partial<Record<Language, string>> = {};
      for (const lang of languages) if (form[`alt_${lang}`]) alt[lang] = form[`alt_${lang}`];
      return alt;
    });
}
