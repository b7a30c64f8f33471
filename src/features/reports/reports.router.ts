import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { handlersOf } from '../../platform/web/handlers';
import { NotFound } from '../../platform/web/errors';
import { parseForm } from '../../platform/web/validate';
import { auditActor, currentOrganiser, requireAdmin } from '../../core/access';
import type { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation, findPublicLetter } from '../../core/letters/letters.service';
import { slugParam } from '../../core/letters/letter-request';
import {
  decisionFormSchema,
  letterIdSchema,
  REPORT_DECISIONS,
  REPORT_DETAILS_MAX,
  REPORT_REASONS,
  reportFormSchema,
} from './report.schema';
import {
  decideReports,
  fileReport,
  REPORT_DETAILS_DAYS_AFTER_DECISION,
  REPORT_UNDECIDED_DAYS,
  reportQueue,
} from './reports.service';

type Form = { values: Record<string, unknown>; errors: Record<string, string> };

/**
 * "Report this letter": the form every letter page links to (no script, a CSRF token, a limit per
 * network), and the admins' queue of reports, grouped per letter, where an admin decides.
 * Reports are shown to the instance's admins only: no page of a letter's organisers reads them.
 */
export function reportsRouter(ctx: AppContext): Router {
  const on = handlersOf(ctx);
  const r = Router();
  r.get('/letters/:slug/report', on(showReportForm));
  r.post('/letters/:slug/report', on(submitReport));
  r.get('/admin/reports', requireAdmin, on(showReportQueue));
  r.post('/admin/reports/:letterId', requireAdmin, on(decideLetterReports));
  return r;
}

function renderForm(req: Request, res: Response, letter: Letter, form: Form, sent: boolean, status = 200) {
  const version = chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
  res.status(status).render('reports/form', {
    title: req.t('reports.form.title', { title: version.shortTitle ?? version.title }),
    letter: { slug: letter.slug, title: version.title, language: version.language },
    reasons: REPORT_REASONS,
    detailsMax: REPORT_DETAILS_MAX,
    form,
    sent,
    keptDays: REPORT_DETAILS_DAYS_AFTER_DECISION,
    undecidedDays: REPORT_UNDECIDED_DAYS,
  });
}

async function showReportForm(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = await findPublicLetter(ctx.db, slugParam(req));
  renderForm(req, res, letter, { values: {}, errors: {} }, req.query.sent === '1');
}

async function submitReport(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = await findPublicLetter(ctx.db, slugParam(req));
  const parsed = parseForm(reportFormSchema, req.body);
  if (!parsed.ok)
    return renderForm(
      req,
      res,
      letter,
      { values: req.body as Record<string, unknown>, errors: parsed.errors },
      false,
      422,
    );
  await fileReport(ctx, letter.id, parsed.data, { ip: req.ip ?? '', language: req.lang });
  res.redirect(303, `/letters/${letter.slug}/report?sent=1&lang=${req.lang}`);
}

async function renderQueue(
  ctx: AppContext,
  req: Request,
  res: Response,
  errors: Record<string, Form['errors']> = {},
  status = 200,
) {
  res.status(status).render('reports/queue', {
    title: req.t('reports.queue.title'),
    letters: await reportQueue(ctx.db, req.lang),
    decisions: REPORT_DECISIONS,
    decided: typeof req.query.decided === 'string' ? Number(req.query.decided) || 0 : null,
    // Each letter's form has its own errors.
    groupErrors: errors,
  });
}

async function showReportQueue(ctx: AppContext, req: Request, res: Response): Promise<void> {
  await renderQueue(ctx, req, res);
}

async function decideLetterReports(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letterId = letterIdSchema.safeParse(req.params.letterId);
  if (!letterId.success) throw new NotFound();
  const parsed = parseForm(decisionFormSchema, req.body);
  if (!parsed.ok) return renderQueue(ctx, req, res, { [letterId.data]: parsed.errors }, 422);
  const { reports } = await decideReports(ctx.db, letterId.data, auditActor(currentOrganiser(res)!), parsed.data);
  res.redirect(303, `/admin/reports?decided=${reports}`);
}
