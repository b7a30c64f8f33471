import { z } from 'zod';
import { isCountryCode } from '../../platform/web/i18n';
import { SIGNED_AS } from './signature.entity';
import { VISIBILITIES, type SignField } from '../../core/letters/letter.entity';
import { COMMENT_MAX_CHARACTERS } from './signature.entity';

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
    occupation: optionalText(200),
    // "Why I signed": its own message beyond the limit, which says how long it may be.
    comment: z
      .string()
      .optional()
      .transform((s) =>
        (s ?? '')
          .normalize('NFC')
          .replace(/\r\n?/g, '\n')
          .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ')
          .trim(),
      )
      .pipe(z.string().max(COMMENT_MAX_CHARACTERS, { message: 'form.errors.commentTooLong' }))
      .transform((s) => s || null),
    // Only meaningful for a private name: the comment may then be shown as "a signer from …".
    commentAnonymous: z
      .enum(['on', 'yes', 'true'], { message: 'form.errors.invalid' })
      .optional()
      .transform((v) => v !== undefined),
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

/** The form's fields that each optional field of the letter brings (the consent goes with the comment). */
const FIELD_INPUTS: Record<SignField, string[]> = {
  city: ['city'],
  organisation: ['organisation', 'signedAs'],
  occupation: ['occupation'],
  comment: ['comment', 'commentAnonymous'],
};

/**
 * The posted form without the fields the letter does not ask: a field left out of the form but
 * sent anyway (an old page, a crafted request) is ignored, neither stored nor refused. Without
 * the organisation field nobody signs for an organisation.
 */
export function askedOnly(body: unknown, asked: Record<SignField, boolean>): Record<string, unknown> {
  const kept = { ...((body ?? {}) as Record<string, unknown>) };
  for (const [field, inputs] of Object.entries(FIELD_INPUTS) as Array<[SignField, string[]]>)
    if (!asked[field]) for (const input of inputs) delete kept[input];
  return kept;
}

export const emailOnlySchema = z.object({
  email: text(320).pipe(z.string().email({ message: 'form.errors.emailInvalid' })),
});
