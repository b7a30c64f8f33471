import type { Request, Response } from 'express';
import { SIGN_FIELDS, type SignField } from '../../core/letters/letter.entity';
import { currentOrganiser } from '../../core/access/auth.middleware';
import { auditActor } from '../../core/access/organisers.service';
import { forgetLetterPage } from '../letter-page';
import { setSignFields } from './sign-fields.service';
import { locals, type OrganiseDeps } from './organise-deps';

/**
 * The owners' form of the sign form's optional fields (its own form on the edit page, apart from
 * the letter's text): a ticked box asks the field. Any other value is read as not ticked.
 */
export async function saveSignFields({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const asked = Object.fromEntries(SIGN_FIELDS.map((f) => [f, body[`ask-${f}`] === 'on'])) as Record<
    SignField,
    boolean
  >;
  const changed = await setSignFields(ctx, letter, auditActor(currentOrganiser(res)!), asked);
  if (changed) forgetLetterPage(ctx, letter.slug);
  res.redirect(303, `/organise/letters/${letter.slug}/edit?fields=${changed ? 'saved' : 'same'}#sign-fields`);
}
