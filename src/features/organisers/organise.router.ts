import { Router } from 'express';
import type { AppContext } from '../../platform/context';
import { handlersOf } from '../../platform/web/handlers';
import { requireLetterRole, requireOrganiser } from '../../core/access/auth.middleware';
import {
  hideSignature,
  invalidateByDomain,
  invalidateOne,
  releaseOne,
  saveDelivery,
  saveProgress,
  showDashboard,
  unhideSignature,
} from './dashboard.handlers';
import {
  createLetterFromForm,
  saveLetterForm,
  showLetterForm,
  showLetters,
  showNewLetterForm,
} from './letter-form.handlers';
import type { OrganiseDeps } from './organise-deps';
import { saveSignFields } from './sign-fields.handlers';
import { inviteMember, removeMember, revokeMemberInvitation } from './team.handlers';

export type { DeliveryPanelFn } from './organise-deps';

/**
 * The organisers' workspace: their letters, editing, the team, the dashboard, moderation and
 * delivery. Every route needs a signed-in organiser; a letter's routes need a role on it, and
 * some the owner's.
 */
export function organiseRouter(ctx: AppContext, above: OrganiseDeps['above'] = {}): Router {
  const deps: OrganiseDeps = { ctx, above };
  const on = handlersOf(deps);
  const member = requireLetterRole(ctx);
  const owner = requireLetterRole(ctx, 'owner');
  const r = Router();
  r.use('/organise', requireOrganiser);
  r.get('/organise', on(showLetters));
  r.get('/organise/letters/new', on(showNewLetterForm));
  r.post('/organise/letters', on(createLetterFromForm));
  r.get('/organise/letters/:slug/edit', member, on(showLetterForm));
  r.post('/organise/letters/:slug/edit', member, on(saveLetterForm));
  r.post('/organise/letters/:slug/sign-fields', owner, on(saveSignFields));
  r.post('/organise/letters/:slug/team', owner, on(inviteMember));
  r.post('/organise/letters/:slug/invitations/:id/revoke', owner, on(revokeMemberInvitation));
  r.post('/organise/letters/:slug/team/remove', owner, on(removeMember));
  r.get('/organise/letters/:slug', member, on(showDashboard));
  r.post('/organise/letters/:slug/signatures/:id/hide', member, on(hideSignature));
  r.post('/organise/letters/:slug/signatures/:id/unhide', member, on(unhideSignature));
  r.post('/organise/letters/:slug/signatures/:id/invalidate', member, on(invalidateOne));
  r.post('/organise/letters/:slug/signatures/:id/release', member, on(releaseOne));
  r.post('/organise/letters/:slug/invalidate-domain', member, on(invalidateByDomain));
  r.post('/organise/letters/:slug/delivery', owner, on(saveDelivery));
  r.post('/organise/letters/:slug/progress', owner, on(saveProgress));
  return r;
}
