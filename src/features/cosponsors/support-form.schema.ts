import { z } from 'zod';

// Messages are i18n keys; the form shows them in the reader's language.
export const supportFormSchema = z.object({
  fullName: z
    .string({ message: 'cosponsors.errors.name' })
    .transform((s) => s.normalize('NFC').replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, { message: 'cosponsors.errors.name' }).max(200, { message: 'form.errors.tooLong' })),
  email: z
    .string({ message: 'form.errors.emailInvalid' })
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().max(320, { message: 'form.errors.tooLong' }).email({ message: 'form.errors.emailInvalid' })),
  wantsToSign: z
    .string()
    .optional()
    .transform((v) => v === 'on'),
});
