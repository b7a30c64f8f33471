import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { Forbidden } from '../../platform/web/errors';
import { currentOrganiser } from '../../core/access/auth.middleware';
import { acceptInvitation, checkInvitation } from './invitations.service';
import { tokenPageHeaders } from '../../platform/web/token-page';

/**
 * The page an invitation email links to. Opening it changes nothing (mail scanners open links);
 * its button POSTs. The token is in the path; the request logger cuts it out.
 */
export function invitationsRouter(ctx: AppContext): Router {
  const r = Router();

  function renderProblem(req: Request, res: Response, problem: 'used' | 'expired' | 'unknown') {
    res.status(problem === 'unknown' ? 404 : 410).render('organise/invitation', {
      title: req.t(`organisers.invitation.problem.${problem}.title`),
      state: 'problem',
      problem,
    });
  }

  r.get('/invitations/:token', async (req, res) => {
    tokenPageHeaders(res);
    const token = String(req.params.token);
    const check = await checkInvitation(ctx, token, req.lang);
    if (check.kind !== 'valid') return renderProblem(req, res, check.kind);
    const organiser = currentOrganiser(res);
    res.render('organise/invitation', {
      title: req.t('organisers.invitation.title'),
      state: 'open',
      token,
      invitation: check.invitation,
      otherAddress: !!organiser && organiser.email !== check.invitation.email,
    });
  });

  r.post('/invitations/:token', async (req, res) => {
    tokenPageHeaders(res);
    const token = String(req.params.token);
    const organiser = currentOrganiser(res);
    const outcome = await acceptInvitation(ctx, token, organiser ? { id: organiser.id, email: organiser.email } : null);
    if (outcome.kind === 'other-address') throw new Forbidden('organisers.invitation.otherAddress');
    if (outcome.kind !== 'joined') return renderProblem(req, res, outcome.kind);
    if (outcome.signedIn) return res.redirect(303, `/organise/letters/${outcome.letterSlug}`);
    res.render('organise/invitation', {
      title: req.t('organisers.invitation.joinedTitle'),
      state: 'joined',
      email: outcome.email,
    });
  });

  return r;
}
