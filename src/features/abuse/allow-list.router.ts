import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import {
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access/auth.middleware';
import { auditActor } from '../../core/access/organisers.service';
import { NotFound } from '../../platform/web/errors';
import { parseForm } from '../../platform/web/validate';
import { addAllowedNetwork, listAllowedNetworks, removeAllowedNetwork } from './abuse.service';
import { allowListAddSchema } from './allow-list.schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The letter's allowed networks, for its owners: a page of its own, and the partial
 * `views/abuse/allow-list.ejs` that the organiser workspace can include (it needs `letter`,
 * `networks` and `allowList` = { values, errors }).
 */
export function allowListRouter(ctx: AppContext): Router {
  const r = Router();
  const base = '/organise/letters/:slug/allow-list';
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];
  const letterOf = (res: Response): Letter => (res.locals as OrganiserLocals).letter!;

  async function render(
    req: Request,
    res: Response,
    form: { values: Record<string, unknown>; errors: Record<string, string> },
    status = 200,
  ) {
    const letter = letterOf(res);
    res.status(status).render('abuse/allow-list-page', {
      title: req.t('abuse.allowList.title'),
      letter: { slug: letter.slug },
      networks: await listAllowedNetworks(ctx.db, letter.id),
      allowList: form,
    });
  }

  r.get(base, ...owner, async (req, res) => {
    await render(req, res, { values: {}, errors: {} });
  });

  r.post(base, ...owner, async (req, res) => {
    const parsed = parseForm(allowListAddSchema, req.body);
    if (!parsed.ok) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      return render(req, res, { values: { cidr: body.cidr, note: body.note }, errors: parsed.errors }, 422);
    }
    const letter = letterOf(res);
    await addAllowedNetwork(ctx.db, letter.id, parsed.data.cidr, parsed.data.note, auditActor(currentOrganiser(res)!));
    ctx.log.info({ letterId: letter.id }, 'allowed network added');
    res.redirect(303, `/organise/letters/${letter.slug}/allow-list`);
  });

  r.post(`${base}/:id/delete`, ...owner, async (req, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw new NotFound();
    const letter = letterOf(res);
    if (!(await removeAllowedNetwork(ctx.db, letter.id, id, auditActor(currentOrganiser(res)!)))) throw new NotFound();
    ctx.log.info({ letterId: letter.id }, 'allowed network removed');
    res.redirect(303, `/organise/letters/${letter.slug}/allow-list`);
  });

  return r;
}
