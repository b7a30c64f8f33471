import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import {
  auditActor,
  currentOrganiser,
  type OrganiserLocals,
  requireLetterRole,
  requireOrganiser,
} from '../../core/access';
import { NotFound, RateLimited } from '../../platform/web/errors';
import { parseForm } from '../../platform/web/validate';
import {
  createEndpoint,
  deliveryLog,
  enableEndpoint,
  findEndpoint,
  listEndpoints,
  MAX_ENDPOINTS_PER_LETTER,
  removeEndpoint,
  sendTestEvent,
} from './webhooks.service';
import { endpointFormSchema, WEBHOOK_EVENTS } from './webhooks.schema';

const CSS = '<link rel="stylesheet" href="/static/updates.css">';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Form = { values: Record<string, unknown>; errors: Record<string, string> };

function letterOf(res: Response): Letter {
  return (res.locals as OrganiserLocals).letter!;
}

function idParam(req: Request): string {
  const id = String(req.params.id);
  if (!UUID.test(id)) throw new NotFound();
  return id;
}

/** The owners' webhooks page (beside the API tokens): endpoints, their secrets shown once, test events, delivery logs. */
export function webhooksRouter(ctx: AppContext): Router {
  const r = Router();
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];
  const base = (letter: Letter) => `/organise/letters/${letter.slug}/api/webhooks`;
  const letterView = (req: Request, letter: Letter) => ({
    slug: letter.slug,
    title: chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).title,
  });

  async function render(
    req: Request,
    res: Response,
    opts: { form?: Form; created?: { url: string; secret: string }; status?: number } = {},
  ) {
    const letter = letterOf(res);
    res.status(opts.status ?? 200).render('webhooks/endpoints', {
      title: req.t('webhooks.page.title'),
      headExtra: CSS,
      letter: letterView(req, letter),
      endpoints: await listEndpoints(ctx.db, letter.id),
      events: WEBHOOK_EVENTS,
      created: opts.created ?? null,
      removed: req.query.removed === '1',
      enabled: req.query.enabled === '1',
      form: opts.form ?? { values: {}, errors: {} },
      // The hint says what the address rules of this server accept.
      allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE,
      maxEndpoints: MAX_ENDPOINTS_PER_LETTER,
    });
  }

  async function renderLog(req: Request, res: Response, opts: { limited?: RateLimited } = {}) {
    const letter = letterOf(res);
    const endpoint = await findEndpoint(ctx.db, letter.id, idParam(req));
    if (opts.limited) res.status(429).set('Retry-After', String(opts.limited.retryAfterSeconds));
    res.render('webhooks/log', {
      title: req.t('webhooks.log.title'),
      headExtra: CSS,
      letter: letterView(req, letter),
      endpoint,
      deliveries: await deliveryLog(ctx.db, endpoint.id),
      tested: req.query.tested === '1',
      limited: opts.limited ? req.t(opts.limited.messageKey, opts.limited.details) : null,
    });
  }

  r.get('/organise/letters/:slug/api/webhooks', ...owner, async (req, res) => {
    await render(req, res);
  });

  r.post('/organise/letters/:slug/api/webhooks', ...owner, async (req, res) => {
    const values = req.body as Record<string, unknown>;
    const parsed = parseForm(endpointFormSchema, values);
    if (!parsed.ok) return render(req, res, { form: { values, errors: parsed.errors }, status: 422 });
    const result = await createEndpoint(ctx, letterOf(res), parsed.data, auditActor(currentOrganiser(res)!));
    if (!result.ok) return render(req, res, { form: { values, errors: result.errors }, status: 422 });
    // The secret is shown in this answer only.
    await render(req, res, { created: { url: result.endpoint.url, secret: result.secret }, status: 201 });
  });

  r.get('/organise/letters/:slug/api/webhooks/:id', ...owner, async (req, res) => {
    await renderLog(req, res);
  });

  r.post('/organise/letters/:slug/api/webhooks/:id/test', ...owner, async (req, res) => {
    const letter = letterOf(res);
    const id = idParam(req);
    try {
      await sendTestEvent(ctx, letter, id, auditActor(currentOrganiser(res)!));
    } catch (err) {
      // Too many test events: the log page again, saying so.
      if (err instanceof RateLimited) return renderLog(req, res, { limited: err });
      throw err;
    }
    res.redirect(303, `${base(letter)}/${id}?tested=1`);
  });

  r.post('/organise/letters/:slug/api/webhooks/:id/enable', ...owner, async (req, res) => {
    const letter = letterOf(res);
    await enableEndpoint(ctx, letter, idParam(req), auditActor(currentOrganiser(res)!));
    res.redirect(303, `${base(letter)}?enabled=1`);
  });

  r.post('/organise/letters/:slug/api/webhooks/:id/delete', ...owner, async (req, res) => {
    const letter = letterOf(res);
    await removeEndpoint(ctx, letter, idParam(req), auditActor(currentOrganiser(res)!));
    res.redirect(303, `${base(letter)}?removed=1`);
  });

  return r;
}
