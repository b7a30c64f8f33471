import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../platform/context';
import { setChallengeMode } from './challenge.service';
import { auditActor } from '../../core/access/organisers.service';
import {
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access/auth.middleware';
import { parseForm } from '../../platform/web/validate';
import { AppError } from '../../platform/web/errors';

const switchSchema = z.object({ mode: z.enum(['on', 'off'], { message: 'organisers.errors.invalid' }) });

/**
 * An owner's switch for the letter's challenge mode (the rules are abuse control's). The
 * dashboard shows the mode and its changes (views/abuse/challenge-mode.ejs).
 */
export function challengeModeRouter(ctx: AppContext): Router {
  const r = Router();
  r.post(
    '/organise/letters/:slug/challenge-mode',
    requireOrganiser,
    requireLetterRole(ctx, 'owner'),
    async (req, res) => {
      const parsed = parseForm(switchSchema, req.body);
      // The form's two buttons send one of two values; anything else is no switch.
      if (!parsed.ok) throw new AppError(422, 'invalid', 'organisers.errors.invalid');
      const letter = (res.locals as OrganiserLocals).letter!;
      const organiser = currentOrganiser(res)!;
      await setChallengeMode(ctx, letter.id, parsed.data.mode === 'on', auditActor(organiser));
      res.redirect(303, `/organise/letters/${letter.slug}#challenge-mode`);
    },
  );
  return r;
}
