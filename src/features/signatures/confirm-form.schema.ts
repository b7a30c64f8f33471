import { z } from 'zod';
import { VISIBILITIES } from '../../core/letters/letter.entity';

/**
 * The confirmation page's form: how the name appears, chosen again on the page. Left out (a
 * client that only presses the button), the choice made when signing stands.
 */
export const confirmFormSchema = z.object({
  visibility: z.enum(VISIBILITIES, { message: 'form.errors.visibility' }).optional(),
});

export type ConfirmForm = z.infer<typeof confirmFormSchema>;
