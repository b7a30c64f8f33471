import { z } from 'zod';

export const loginFormSchema = z.object({
  email: z
    .string({ message: 'organisers.errors.emailInvalid' })
    .transform((s) => s.normalize('NFC').trim())
    .pipe(
      z
        .string()
        .max(320, { message: 'organisers.errors.tooLong' })
        .email({ message: 'organisers.errors.emailInvalid' }),
    ),
});
