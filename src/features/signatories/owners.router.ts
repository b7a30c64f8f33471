import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { handlersOf } from '../../platform/web/handlers';
import {
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access/auth.middleware';
import { auditActor } from '../../core/access/organisers.service';
import { AppError, NotFound } from '../../platform/web/errors';
import { parseForm } from '../../platform/web/validate';
import {
  featureCandidates,
  featuredSignatories,
  featureSignatory,
  FEATURED_DESCRIPTION_MAX,
  MAX_FEATURED,
  moveFeatured,
  saveFeatured,
  unfeatureSignatory,
} from './notable.service';
import {
  addAffiliationDomain,
  listAffiliationDomains,
  listAffiliationMarks,
  MAX_AFFILIATION_DOMAINS,
  removeAffiliationDomain,
  removeAffiliationMark,
} from './affiliations.service';
import { setSignatoriesNoindex } from './search-engines.service';
import {
  affiliationFormSchema,
  candidateQuerySchema,
  featuredRowSchema,
  featureFormSchema,
  searchEnginesFormSchema,
  signatureIdSchema,
} from './notable.schema';

interface OwnersDeps {
  ctx: AppContext;
}

type FormState = { values: Record<string, unknown>; errors: Record<string, string> };
const EMPTY: FormState = { values: {}, errors: {} };

const letterOf = (res: Response): Letter => (res.locals as OrganiserLocals).letter!;
const actorOf = (res: Response) => auditActor(currentOrganiser(res)!);
const bodyOf = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

/**
 * The owners' pages of the list: the notable signatories (`/organise/letters/<slug>/notable`), the
 * affiliation domains (`…/affiliations`), and the search-engine switch of the letter's edit page
 * (`…/search-engines`, whose form is the partial views/signatories/search-engines-form.ejs).
 */
export function ownersRouter(ctx: AppContext): Router {
  const on = handlersOf<OwnersDeps>({ ctx });
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];
  const r = Router();
  r.get('/organise/letters/:slug/notable', ...owner, on(showNotable));
  r.post('/organise/letters/:slug/notable', ...owner, on(featureFromForm));
  r.post('/organise/letters/:slug/notable/:id', ...owner, on(changeFeatured));
  r.get('/organise/letters/:slug/affiliations', ...owner, on(showAffiliations));
  r.post('/organise/letters/:slug/affiliations', ...owner, on(addAffiliation));
  r.post('/organise/letters/:slug/affiliations/:id/delete', ...owner, on(deleteAffiliation));
  r.post('/organise/letters/:slug/affiliations/marks/:id/remove', ...owner, on(removeMark));
  r.post('/organise/letters/:slug/search-engines', ...owner, on(saveSearchEngines));
  return r;
}

async function renderNotable(
  { ctx }: OwnersDeps,
  req: Request,
  res: Response,
  opts: { q?: string; form?: FormState; rowError?: { id: string; error: string }; status?: number } = {},
) {
  const letter = letterOf(res);
  const [featured, candidates] = await Promise.all([
    featuredSignatories(ctx.db, letter.id),
    opts.q && opts.q.length >= 3 ? featureCandidates(ctx.db, letter.id, opts.q) : Promise.resolve(null),
  ]);
  res.set('Cache-Control', 'no-store');
  res.status(opts.status ?? 200).render('signatories/notable-page', {
    title: req.t('signatories.notable.ownersTitle'),
    letter: { slug: letter.slug },
    featured,
    candidates,
    q: opts.q ?? '',
    qShort: Boolean(opts.q) && (opts.q ?? '').length < 3,
    form: opts.form ?? EMPTY,
    rowError: opts.rowError ?? null,
    max: MAX_FEATURED,
    descriptionMax: FEATURED_DESCRIPTION_MAX,
  });
}

async function showNotable(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  const query = candidateQuerySchema.safeParse(req.query);
  await renderNotable(deps, req, res, { q: query.success ? query.data.q : '' });
}

async function featureFromForm(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const body = bodyOf(req);
  const q = typeof body.q === 'string' ? body.q.slice(0, 100) : '';
  const parsed = parseForm(featureFormSchema, body);
  if (!parsed.ok)
    return renderNotable(deps, req, res, { q, form: { values: body, errors: parsed.errors }, status: 422 });
  const done = await featureSignatory(
    deps.ctx.db,
    letter.id,
    parsed.data.signatureId,
    parsed.data.description,
    actorOf(res),
  );
  if (!done.ok) {
    const errors = { signatureId: `signatories.notable.errors.${done.reason}` };
    return renderNotable(deps, req, res, { q, form: { values: body, errors }, status: 422 });
  }
  deps.ctx.log.info({ letterId: letter.id }, 'signatory featured');
  res.redirect(303, `/organise/letters/${letter.slug}/notable`);
}

async function changeFeatured(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const id = signatureIdSchema.safeParse(String(req.params.id));
  if (!id.success) throw new NotFound();
  const parsed = parseForm(featuredRowSchema, bodyOf(req));
  if (!parsed.ok) {
    const error = Object.values(parsed.errors)[0];
    return renderNotable(deps, req, res, { rowError: { id: id.data, error }, status: 422 });
  }
  const { action, description, position } = parsed.data;
  const actor = actorOf(res);
  let found: boolean;
  if (action === 'remove') found = await unfeatureSignatory(deps.ctx.db, letter.id, id.data, actor);
  else if (action === 'up' || action === 'down')
    found = await moveFeatured(deps.ctx.db, letter.id, id.data, action, actor);
  else found = await saveFeatured(deps.ctx.db, letter.id, id.data, { description, position }, actor);
  if (!found) throw new NotFound();
  res.redirect(303, `/organise/letters/${letter.slug}/notable#featured-${id.data}`);
}

async function renderAffiliations(
  { ctx }: OwnersDeps,
  req: Request,
  res: Response,
  form: FormState = EMPTY,
  status = 200,
) {
  const letter = letterOf(res);
  const [domains, marks] = await Promise.all([
    listAffiliationDomains(ctx.db, letter.id),
    listAffiliationMarks(ctx.db, letter.id),
  ]);
  res.set('Cache-Control', 'no-store');
  res.status(status).render('signatories/affiliations-page', {
    title: req.t('signatories.affiliation.ownersTitle'),
    letter: { slug: letter.slug },
    domains,
    marks,
    form,
    max: MAX_AFFILIATION_DOMAINS,
    added: req.query.added === '1',
  });
}

async function showAffiliations(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  await renderAffiliations(deps, req, res);
}

async function addAffiliation(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const body = bodyOf(req);
  const parsed = parseForm(affiliationFormSchema, body);
  if (!parsed.ok) return renderAffiliations(deps, req, res, { values: body, errors: parsed.errors }, 422);
  const done = await addAffiliationDomain(
    deps.ctx.db,
    letter.id,
    parsed.data.organisation,
    parsed.data.domain,
    actorOf(res),
  );
  if (!done.ok) {
    const errors: Record<string, string> =
      done.reason === 'full'
        ? { domain: 'signatories.affiliation.errors.full' }
        : { organisation: 'signatories.affiliation.errors.organisation' };
    return renderAffiliations(deps, req, res, { values: body, errors }, 422);
  }
  res.redirect(303, `/organise/letters/${letter.slug}/affiliations?added=1`);
}

async function deleteAffiliation(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const id = String(req.params.id);
  if (!/^\d{1,18}$/.test(id)) throw new NotFound();
  if (!(await removeAffiliationDomain(deps.ctx.db, letter.id, id, actorOf(res)))) throw new NotFound();
  res.redirect(303, `/organise/letters/${letter.slug}/affiliations`);
}

async function removeMark(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const id = signatureIdSchema.safeParse(String(req.params.id));
  if (!id.success) throw new NotFound();
  if (!(await removeAffiliationMark(deps.ctx.db, letter.id, id.data, actorOf(res)))) throw new NotFound();
  res.redirect(303, `/organise/letters/${letter.slug}/affiliations`);
}

async function saveSearchEngines(deps: OwnersDeps, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const parsed = parseForm(searchEnginesFormSchema, bodyOf(req));
  if (!parsed.ok) throw new AppError(400, 'bad_request', 'errors.badRequest');
  await setSignatoriesNoindex(deps.ctx.db, letter, parsed.data.noindex, actorOf(res));
  res.redirect(303, `/organise/letters/${letter.slug}/edit?saved=1#search-engines`);
}
