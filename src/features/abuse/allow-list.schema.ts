import { z } from 'zod';
import { formText } from '../../platform/web/validate';
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
  note: formText(200, 'abuse.allowList.errors.note', { lines: false }).transform((s) => s || null),
});
