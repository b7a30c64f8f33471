import { z } from 'zod';
import { isCountryCode } from '../../platform/web/i18n';
import { SIGNED_AS } from './signature.entity';
import { VISIBILITIES } from '../../core/letters/letter.entity';

// Messages are i18n keys; the form shows them in the reader's language.
const text = (max: number) =>
  z
    .string({ message: 'form.errors.required' })
    .transform((s) =>
      s
        .normalize('NFC')
        .replace(/[\u0000-\u001f\u007f]/g, ' ')
        .trim(),
    )
    .pipe(z.string().max(max, { message: 'form.errors.tooLong' }));

const optionalText = (max: number) =>
  text(max)
    .optional()
    .transform((s) => (s ? s : null));

export const signFormSchema = z
  .object({
    fullName: text(200).pipe(z.string().min(2, { message: 'form.errors.nameRequired' })),
    email: text(320).pipe(z.string().email({ message: 'form.errors.emailInvalid' })),
    country: z
      .string({ message: 'form.errors.countryRequired' })
      .trim()
      .toUpperCase()
      .refine(isCountryCode, { message: 'form.errors.countryRequired' }),
    city: optionalText(120),
    organisation: optionalText(200),
    signedAs: z.enum(SIGNED_AS, { message: 'form.errors.signedAs' }).default('individual'),
    visibility: z.enum(VISIBILITIES, { message: 'form.errors.visibility' }),
    wantsUpdates: z
      .enum(['on', 'yes', 'true'], { message: 'form.errors.invalid' })
      .optional()
      .transform((v) => v !== undefined),
    // The text shown on the page the form was sent from. Never an error: anything that is not a
    // real version of the letter is replaced by its current text (signedText, letters core).
    textLanguage: z.string().max(5).optional().catch(undefined),
    textVersion: z.coerce.number().int().optional().catch(undefined),
    // The challenge widget's answer (challenge mode); checked by the signing service, never shown.
    altcha: z.string().max(4000).optional().catch(undefined),
    // Honeypot: hidden from people, filled by naive bots.
    website: z
      .string()
      .optional()
      .transform((v) => (v ?? '').trim()),
  })
  .superRefine((v, ctx) => {
    if (v.signedAs === 'organisation' && !v.organisation) {
      ctx.addIssue({ code: 'custom', path: ['organisation'], message: 'form.errors.organisationRequired' });
    }
  });

export type SignForm = z.output<typeof signFormSchema>;

export const emailOnlySchema = z.object({
  email: text(320).pipe(z.string().email({ message: 'form.errors.emailInvalid' })),
});
