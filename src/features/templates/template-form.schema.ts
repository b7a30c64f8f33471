import { z } from 'zod';
import { LANGUAGES, VISIBILITIES } from '../../core/letters/letter.entity';

const text = (max: number) =>
  z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').trim())
    .pipe(z.string().max(max, { message: 'templates.errors.tooLong' }));

const wholeNumber = (max: number, message: string) =>
  text(12).pipe(
    z
      .string()
      .regex(/^\d*$/, { message })
      .transform((s) => (s ? Number(s) : null))
      .refine((n) => n === null || (n >= 1 && n <= max), { message }),
  );

/** Checkboxes send one value as a string and several as an array. */
const languageList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.enum(LANGUAGES, { message: 'templates.errors.languages' })).max(LANGUAGES.length));

/** The admins' template form. The default language is always one of the template's languages. */
export const templateFormSchema = z
  .object({
    name: text(120).pipe(z.string().min(1, { message: 'templates.errors.nameRequired' })),
    guidance: text(4000),
    defaultLanguage: z.enum(LANGUAGES, { message: 'templates.errors.languages' }),
    languages: languageList,
    goal: wholeNumber(100_000_000, 'templates.errors.goal'),
    deadlineDays: wholeNumber(3650, 'templates.errors.deadlineDays'),
    publicNamesDefault: z.enum(VISIBILITIES, { message: 'templates.errors.invalid' }),
    title: text(200),
    summary: text(400),
    body: text(20_000),
    recipient: text(300),
  })
  .transform((form) => ({
    ...form,
    // The default language first, then the others in the site's order, each once.
    languages: [
      form.defaultLanguage,
      ...LANGUAGES.filter((l) => l !== form.defaultLanguage && form.languages.includes(l)),
    ],
  }));

export type TemplateInput = z.output<typeof templateFormSchema>;
