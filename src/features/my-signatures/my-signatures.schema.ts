import { z } from 'zod';
import { VISIBILITIES } from '../../platform/web/visibility';

// Messages are i18n keys; the form shows them in the reader's language.
export const requestLinkSchema = z.object({
  email: z
    .string({ message: 'form.errors.emailInvalid' })
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().max(320, { message: 'form.errors.tooLong' }).email({ message: 'form.errors.emailInvalid' })),
});

export const visibilitySchema = z.object({
  visibility: z.enum(VISIBILITIES, { message: 'form.errors.visibility' }),
});

export const updatesSchema = z.object({
  wantsUpdates: z.enum(['on', 'off'], { message: 'form.errors.invalid' }).transform((v) => v === 'on'),
});

/** A signature's id in the path: anything else is a page that does not exist. */
export const signatureIdSchema = z.string().uuid();
