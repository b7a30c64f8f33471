import { z } from 'zod';
import { parseNetwork } from './abuse.service';

export const allowListAddSchema = z.object({
  cidr: z.string({ message: 'abuse.allowList.errors.cidr' }).transform((s, c) => {
    const parsed = parseNetwork(s);
    if (!parsed) {
      c.addIssue({ code: 'custom', message: 'abuse.allowList.errors.cidr' });
      return z.NEVER;
    }
    return parsed.cidr;
  }),
  note: z
    .string({ message: 'abuse.allowList.errors.note' })
    .optional()
    .transform((s) =>
      (s ?? '')
        .normalize('NFC')
        .replace(/[\u0000-\u001f\u007f]/g, ' ')
        .trim(),
    )
    .pipe(z.string().max(200, { message: 'abuse.allowList.errors.note' }))
    .transform((s) => s || null),
});
