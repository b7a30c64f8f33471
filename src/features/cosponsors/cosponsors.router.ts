import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation, findLetterById, renderMarkdown } from '../../core/letters/letters.service';
import { requireLetterRole, requireOrganiser, type OrganiserLocals } from '../../core/access';
import { handlersOf } from '../../platform/web/handlers';
import { tokenPageHeaders } from '../../platform/web/token-page';
import { parseForm } from '../../platform/web/validate';
import {
  confirmSupport,
  COSPONSOR_CONFIRM_DAYS,
  cosponsorLinkPath,
  cosponsorProgress,
  letterOfLink,
  offerSupport,
  pendingSupport,
} from './cosponsors.service';
import { supportFormSchema } from './support-form.schema';

type Problem = 'unknown' | 'closed' | 'used';

function renderProblem(req: Request, res: Response, problem: Problem): void {
  res.status(problem === 'unknown' ? 404 : 410).render('cosponsors/problem', {
    title: req.t(`cosponsors.problem.${problem}.title`),
    problem,
  });
}

/** The letter as a supporter reads it before it is public: its text in their language, never its team. */
function letterView(req: Request, letter: Letter) {
  const version = chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
  return {
    language: version.language,
    title: version.title,
    recipient: version.recipient,
    summary: version.summary,
    bodyHtml: renderMarkdown(version.body),
  };
}

async function renderSupportForm(
  ctx: AppContext,
  req: Request,
  res: Response,
  letterId: string,
  form: { values: Record<string, string>; errors: Record<string, string> },
  status = 200,
): Promise<void> {
  const letter = await findLetterById(ctx.db, letterId);
  const view = letterView(req, letter);
  res.status(status).render('cosponsors/support', {
    title: req.t('cosponsors.support.title', { title: view.title }),
    letter: view,
    token: String(req.params.token),
    form,
  });
}

/** GET /cosponsor/:token: the letter, and the form to support it. */
async function showSupportForm(ctx: AppContext, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const link = await letterOfLink(ctx.db, String(req.params.token));
  if (!link) return renderProblem(req, res, 'unknown');
  if (!link.gathering) return renderProblem(req, res, 'closed');
  await renderSupportForm(ctx, req, res, link.letterId, { values: {}, errors: {} });
}

/** POST /cosponsor/:token: the offer of support; an email goes to the address to confirm it. */
async function supportLetter(ctx: AppContext, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const link = await letterOfLink(ctx.db, String(req.params.token));
  if (!link) return renderProblem(req, res, 'unknown');
  if (!link.gathering) return renderProblem(req, res, 'closed');
  const body = (req.body ?? {}) as Record<string, unknown>;
  const parsed = parseForm(supportFormSchema, body);
  if (!parsed.ok) {
    const values = Object.fromEntries(
      ['fullName', 'email', 'wantsToSign'].map((k) => [k, typeof body[k] === 'string' ? String(body[k]) : '']),
    );
    return renderSupportForm(ctx, req, res, link.letterId, { values, errors: parsed.errors }, 422);
  }
  await offerSupport(ctx, link.letterId, parsed.data, { ip: req.ip ?? '', language: req.lang });
  res.render('cosponsors/check-email', { title: req.t('cosponsors.checkEmail.title'), days: COSPONSOR_CONFIRM_DAYS });
}

/** GET /cosponsor/confirm/:token: what is confirmed, and the button (mail scanners open links, never press buttons). */
async function showConfirm(ctx: AppContext, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const support = await pendingSupport(ctx.db, String(req.params.token));
  if (!support) return renderProblem(req, res, 'used');
  const letter = letterView(req, await findLetterById(ctx.db, support.letterId));
  res.render('cosponsors/confirm', {
    title: req.t('cosponsors.confirm.title'),
    letter,
    support,
    token: String(req.params.token),
  });
}

/** POST /cosponsor/confirm/:token */
async function confirm(ctx: AppContext, req: Request, res: Response): Promise<void> {
  tokenPageHeaders(res);
  const done = await confirmSupport(ctx, String(req.params.token));
  if (!done) return renderProblem(req, res, 'used');
  ctx.log.info({ letterId: done.letterId, submitted: done.submitted }, 'co-sponsor confirmed');
  res.render('cosponsors/confirmed', { title: req.t('cosponsors.confirmed.title') });
}

/** GET /organise/letters/:slug/cosponsors: the private link to share, and how many have confirmed. */
async function showProgress(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = (res.locals as OrganiserLocals).letter!;
  const progress = await cosponsorProgress(ctx.db, letter.id);
  res.render('cosponsors/progress', {
    title: req.t('cosponsors.progress.title'),
    letter: {
      slug: letter.slug,
      title: chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).title,
    },
    progress,
    link: progress.required > 0 ? `${ctx.config.BASE_URL}${await cosponsorLinkPath(ctx, letter.id)}` : null,
  });
}

/** Supporters' pages (the token in the path is the letter's private link, or a supporter's own), and the starter's progress. */
export function cosponsorsRouter(ctx: AppContext): Router {
  const on = handlersOf(ctx);
  const r = Router();
  r.get('/cosponsor/confirm/:token', on(showConfirm));
  r.post('/cosponsor/confirm/:token', on(confirm));
  r.get('/cosponsor/:token', on(showSupportForm));
  r.post('/cosponsor/:token', on(supportLetter));
  r.get('/organise/letters/:slug/cosponsors', requireOrganiser, requireLetterRole(ctx), on(showProgress));
  return r;
}
