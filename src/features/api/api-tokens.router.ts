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
import { NotFound } from '../../platform/web/errors';
import { parseForm } from '../../platform/web/validate';
import { createApiToken, listApiTokens, revokeApiToken } from './api-tokens.service';
import { tokenFormSchema } from './api.schema';

export const API_PAGES_CSS = '<link rel="stylesheet" href="/static/updates.css">';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Form = { values: Record<string, unknown>; errors: Record<string, string> };

function letterOf(res: Response): Letter {
  return (res.locals as OrganiserLocals).letter!;
}

/** The owners' page of a letter's API tokens: create (shown once), list with last use, revoke. */
export function apiTokensRouter(ctx: AppContext): Router {
  const r = Router();
  // A token reads the signatures, private names too when it is for delivery: the owner's to give.
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];

  async function render(
    req: Request,
    res: Response,
    opts: { form?: Form; created?: { name: string; token: string }; status?: number } = {},
  ) {
    const letter = letterOf(res);
    res.status(opts.status ?? 200).render('api/tokens', {
      title: req.t('api.tokens.title'),
      headExtra: API_PAGES_CSS,
      letter: {
        slug: letter.slug,
        title: chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).title,
      },
      tokens: await listApiTokens(ctx.db, letter.id),
      created: opts.created ?? null,
      revoked: req.query.revoked === '1',
      form: opts.form ?? { values: {}, errors: {} },
      apiBase: `${ctx.config.BASE_URL}/api/v1/letters/${letter.slug}`,
      openApiUrl: `${ctx.config.BASE_URL}/api/openapi.json`,
    });
  }

  r.get('/organise/letters/:slug/api', ...owner, async (req, res) => {
    await render(req, res);
  });

  r.post('/organise/letters/:slug/api/tokens', ...owner, async (req, res) => {
    const values = req.body as Record<string, unknown>;
    const parsed = parseForm(tokenFormSchema, values);
    if (!parsed.ok) return render(req, res, { form: { values, errors: parsed.errors }, status: 422 });
    const { token, record } = await createApiToken(ctx, letterOf(res), parsed.data, auditActor(currentOrganiser(res)!));
    // Shown in this answer only (never stored, never in a redirect's URL).
    await render(req, res, { created: { name: record.name, token }, status: 201 });
  });

  r.post('/organise/letters/:slug/api/tokens/:id/revoke', ...owner, async (req, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw new NotFound();
    const letter = letterOf(res);
    await revokeApiToken(ctx, letter, id, auditActor(currentOrganiser(res)!));
    res.redirect(303, `/organise/letters/${letter.slug}/api?revoked=1`);
  });

  return r;
}
