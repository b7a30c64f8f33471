import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Provided } from '../../platform/feature';
import { auditActor, currentOrganiser, requestSignInFor, requireLetterRole, requireOrganiser } from '../../core/access';
import type { OrganiserLocals } from '../../core/access';
import type { Letter } from '../../core/letters/letter.entity';
import { findTranslation } from '../../core/letters/letters.service';
import { LANGUAGES } from '../../core/letters/letter.entity';
import { NotFound } from '../../platform/web/errors';
import { handlersOf } from '../../platform/web/handlers';
import { parseForm } from '../../platform/web/validate';
import { tokenPageHeaders } from '../../platform/web/token-page';
import { SIGN_IN_TOKEN_MINUTES } from '../../core/access/sign-in.service';
import {
  instanceSettings,
  letterDecisions,
  reasonLabel,
  requestSecondReview,
  startPolicy,
  submitLetter,
  needsReview,
} from '../admin';
import type { RenderLetterPreview } from '../letter-page';
import { similarLetters } from './similar.service';
import { emailSchema, replySchema, startFormSchema, startFormValues } from './start-form.schema';
import { createStartedLetter, requestStartSignIn, updateStartedLetter } from './start.service';

/** The admins' letter templates, as the templates feature hands them down (Provided.letterTemplates). */
type Templates = NonNullable<Provided['letterTemplates']>;

export interface StartDeps {
  ctx: AppContext;
  preview: RenderLetterPreview;
  templates?: Templates;
}

function starterOf(res: Response) {
  const organiser = currentOrganiser(res);
  if (!organiser) throw new NotFound();
  return organiser;
}
function letterOf(res: Response): Letter {
  const letter = (res.locals as OrganiserLocals).letter;
  if (!letter) throw new NotFound();
  return letter;
}

async function showStart({ ctx }: StartDeps, req: Request, res: Response) {
  tokenPageHeaders(res);
  res.render('start/start', {
    title: req.t('start.intro.title'),
    policy: await startPolicy(ctx.db),
    signedIn: !!currentOrganiser(res),
    form: { values: {}, errors: {} },
  });
}

async function askForLink({ ctx }: StartDeps, req: Request, res: Response) {
  tokenPageHeaders(res);
  const policy = await startPolicy(ctx.db);
  const parsed = parseForm(emailSchema, req.body);
  if (!parsed.ok) {
    const email = (req.body as Record<string, unknown> | undefined)?.email;
    return res.status(422).render('start/start', {
      title: req.t('start.intro.title'),
      policy,
      signedIn: false,
      form: { values: { email: typeof email === 'string' ? email : '' }, errors: parsed.errors },
    });
  }
  const meta = { ip: req.ip ?? '', language: req.lang };
  // Either way one job is queued and the same page answers, whoever the address belongs to.
  if (policy === 'invited') await requestSignInFor(ctx, parsed.data.email, meta);
  else await requestStartSignIn(ctx, parsed.data.email, meta);
  res.render('start/sent', { title: req.t('start.sent.title'), policy, minutes: SIGN_IN_TOKEN_MINUTES });
}

function renderForm(
  req: Request,
  res: Response,
  opts: {
    mode: 'new' | 'edit';
    slug?: string;
    values: Record<string, string>;
    errors: Record<string, string>;
    templates?: Array<{ id: string; name: string }>;
    template?: { id: string; name: string; guidance: string } | null;
  },
  status = 200,
) {
  res.status(status).render('start/form', {
    title: req.t(opts.mode === 'new' ? 'start.form.titleNew' : 'start.form.titleEdit'),
    languages: LANGUAGES,
    templates: [],
    template: null,
    ...opts,
  });
}

/** GET /start/new, or ?template=<id> to begin from one of the admins' templates (the form filled from it). */
async function showNewForm({ templates }: StartDeps, req: Request, res: Response) {
  const asked = typeof req.query.template === 'string' ? req.query.template : null;
  const prefill = asked && templates ? await templates.prefill(asked) : null;
  if (asked && !prefill) throw new NotFound();
  const values: Record<string, string> = prefill
    ? {
        language: prefill.defaultLanguage,
        authorKind: 'organisation',
        recipient: prefill.recipient,
        title: prefill.title,
        summary: prefill.summary,
        body: prefill.body,
        goal: prefill.goal ? String(prefill.goal) : '',
        closesAt: prefill.closesAt,
      }
    : { language: req.lang, authorKind: 'organisation' };
  renderForm(req, res, {
    mode: 'new',
    values,
    errors: {},
    templates: templates ? await templates.choices() : [],
    template: prefill ? { id: prefill.templateId, name: prefill.name, guidance: prefill.guidance } : null,
  });
}

async function createLetter({ ctx }: StartDeps, req: Request, res: Response) {
  const parsed = parseForm(startFormSchema, req.body);
  if (!parsed.ok)
    return renderForm(req, res, { mode: 'new', values: startFormValues(req.body), errors: parsed.errors }, 422);
  const slug = await createStartedLetter(ctx, auditActor(starterOf(res)), parsed.data);
  res.redirect(303, `/start/letters/${slug}`);
}

function valuesOf(letter: Letter): Record<string, string> {
  const v = findTranslation(letter.translations, letter.defaultLanguage, []);
  return {
    recipient: v?.recipient ?? '',
    title: v?.title ?? '',
    summary: v?.summary ?? '',
    body: v?.body ?? '',
    language: v?.language ?? letter.defaultLanguage,
    goal: letter.goal ? String(letter.goal) : '',
    closesAt: letter.closesAt ? letter.closesAt.toISOString().slice(0, 10) : '',
    authorKind: letter.authorKind,
    authorName: letter.authorName,
  };
}

const EDITABLE = ['draft', 'changes_requested'];

async function showLetter({ ctx }: StartDeps, req: Request, res: Response) {
  const letter = letterOf(res);
  const starter = starterOf(res);
  const version = findTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
  const [decisions, settings, similar] = await Promise.all([
    letterDecisions(ctx.db, letter.id),
    instanceSettings(ctx.db),
    EDITABLE.includes(letter.reviewState) && version
      ? similarLetters(ctx.db, `${version.title} ${version.summary}`, letter.id)
      : Promise.resolve([]),
  ]);
  res.render('start/letter', {
    title: version?.title ?? letter.slug,
    letter,
    editable: EDITABLE.includes(letter.reviewState),
    willBeReviewed: needsReview(settings.startPolicy, starter),
    decisions: decisions.map((d) => ({
      decision: d.decision,
      note: d.note,
      decidedAt: d.decidedAt,
      secondReview: d.secondReview,
      reason: d.reasonKey ? reasonLabel({ key: d.reasonKey, label: d.reasonLabel }, req.t) : '',
    })),
    similar,
    canAskSecond: letter.reviewState === 'rejected' && !letter.secondReviewRequestedAt,
    notice: typeof req.query.done === 'string' ? req.query.done : null,
    errors: {},
  });
}

function showEditForm(_deps: StartDeps, req: Request, res: Response) {
  const letter = letterOf(res);
  if (!EDITABLE.includes(letter.reviewState)) return res.redirect(303, `/start/letters/${letter.slug}`);
  renderForm(req, res, { mode: 'edit', slug: letter.slug, values: valuesOf(letter), errors: {} });
}

async function saveEdit({ ctx }: StartDeps, req: Request, res: Response) {
  const letter = letterOf(res);
  const parsed = parseForm(startFormSchema, req.body);
  if (!parsed.ok)
    return renderForm(
      req,
      res,
      { mode: 'edit', slug: letter.slug, values: startFormValues(req.body), errors: parsed.errors },
      422,
    );
  const saved = await updateStartedLetter(ctx, letter, auditActor(starterOf(res)), parsed.data);
  res.redirect(303, `/start/letters/${letter.slug}${saved ? '?done=saved' : ''}`);
}

async function showPreview({ preview }: StartDeps, req: Request, res: Response) {
  await preview(req, res, letterOf(res));
}

async function submit({ ctx }: StartDeps, req: Request, res: Response) {
  const letter = letterOf(res);
  const parsed = parseForm(replySchema, req.body);
  const reply = parsed.ok ? parsed.data.reply : '';
  const outcome = await submitLetter(ctx, letter.id, starterOf(res), reply);
  res.redirect(303, `/start/letters/${letter.slug}?done=${outcome}`);
}

async function askSecondReview({ ctx }: StartDeps, req: Request, res: Response) {
  const letter = letterOf(res);
  const parsed = parseForm(replySchema, req.body);
  const outcome = await requestSecondReview(
    ctx,
    letter.id,
    auditActor(starterOf(res)),
    parsed.ok ? parsed.data.reply : '',
  );
  res.redirect(303, `/start/letters/${letter.slug}?done=${outcome}`);
}

/** `/start`: anyone asks for a sign-in link; organisers start, preview and send a letter for review. */
export function startRouter(deps: StartDeps): Router {
  const r = Router();
  const on = handlersOf(deps);
  const owner = [requireOrganiser, requireLetterRole(deps.ctx, 'owner')];
  r.get('/start', on(showStart));
  r.post('/start', on(askForLink));
  r.get('/start/new', requireOrganiser, on(showNewForm));
  r.post('/start/new', requireOrganiser, on(createLetter));
  r.get('/start/letters/:slug', ...owner, on(showLetter));
  r.get('/start/letters/:slug/edit', ...owner, on(showEditForm));
  r.post('/start/letters/:slug/edit', ...owner, on(saveEdit));
  r.get('/start/letters/:slug/preview', ...owner, on(showPreview));
  r.post('/start/letters/:slug/submit', ...owner, on(submit));
  r.post('/start/letters/:slug/second-review', ...owner, on(askSecondReview));
  return r;
}
