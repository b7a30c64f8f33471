import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../platform/context';
import { auditActor, currentOrganiser, type MemberAccessFn, requireAdmin } from '../../core/access';
import { findLetterBySlug, findTranslation, renderMarkdown } from '../../core/letters/letters.service';
import { slugParam } from '../../core/letters/letter-request';
import { AppError, NotFound } from '../../platform/web/errors';
import { handlersOf } from '../../platform/web/handlers';
import { parseForm } from '../../platform/web/validate';
import type { RenderLetterPreview } from '../letter-page';
import { listInstanceAudit } from './instance-audit.service';
import { listAllLetters } from './letters-admin.service';
import {
  decide,
  letterDecisions,
  REVIEW_DECISIONS,
  REVIEW_NOTE_MAX,
  reviewQueue,
  type DecideOutcome,
} from './moderation.service';
import {
  instanceRemovalPreview,
  inviteOrganiser,
  inviteSchema,
  listOrganisers,
  removeOrganiser,
  setAdminRole,
} from './organisers-admin.service';
import {
  instanceSettings,
  reasonLabel,
  rejectionReasons,
  START_POLICIES,
  updateReasons,
  updateSettings,
} from './settings.service';

export interface AdminDeps {
  ctx: AppContext;
  /** What a member handed out on a letter (api, recipients, webhooks), listed before a removal. */
  memberAccess: readonly MemberAccessFn[];
  /** The letter page's preview (letter-page). */
  preview: RenderLetterPreview;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function uuidParam(req: Request): string {
  const id = String(req.params.id ?? '');
  if (!UUID.test(id)) throw new NotFound();
  return id;
}
function adminOf(res: Response) {
  const organiser = currentOrganiser(res);
  if (!organiser) throw new NotFound();
  return organiser;
}
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const pageQuery = (key: string, pattern: RegExp) =>
  z.object({ [key]: z.string().regex(pattern).optional() }).passthrough();
function query(req: Request, key: string, pattern: RegExp): string | undefined {
  const parsed = pageQuery(key, pattern).safeParse(req.query);
  if (!parsed.success) throw new AppError(400, 'bad_request', 'errors.badRequest');
  return parsed.data[key];
}

async function showOverview({ ctx }: AdminDeps, req: Request, res: Response) {
  const [queue, settings] = await Promise.all([reviewQueue(ctx.db), instanceSettings(ctx.db)]);
  res.render('admin/overview', { title: req.t('admin.overview.title'), queue, settings });
}

async function showOrganisers({ ctx }: AdminDeps, req: Request, res: Response) {
  const after = query(req, 'after', /^[^\s]{1,320}$/);
  const { organisers, next } = await listOrganisers(ctx.db, after);
  res.render('admin/organisers', {
    title: req.t('admin.organisers.title'),
    organisers,
    next,
    form: { values: {}, errors: {} },
    notice: typeof req.query.done === 'string' ? req.query.done : null,
  });
}

async function invite({ ctx }: AdminDeps, req: Request, res: Response) {
  const parsed = parseForm(inviteSchema, req.body);
  if (!parsed.ok) {
    const { organisers, next } = await listOrganisers(ctx.db);
    const b = (req.body ?? {}) as Record<string, unknown>;
    return res.status(422).render('admin/organisers', {
      title: req.t('admin.organisers.title'),
      organisers,
      next,
      form: { values: { email: str(b.email), name: str(b.name) }, errors: parsed.errors },
      notice: null,
    });
  }
  await inviteOrganiser(ctx, auditActor(adminOf(res)), parsed.data, req.lang);
  res.redirect(303, '/admin/organisers?done=invited');
}

async function changeAdminRole({ ctx }: AdminDeps, req: Request, res: Response) {
  const id = uuidParam(req);
  const make = (req.body as Record<string, unknown> | undefined)?.admin === '1';
  const outcome = await setAdminRole(ctx, auditActor(adminOf(res)), id, make);
  if (outcome === 'not-found') throw new NotFound();
  if (outcome === 'self') throw new AppError(409, 'conflict', 'admin.errors.selfAdmin');
  res.redirect(303, `/admin/organisers?done=${make ? 'made-admin' : 'unmade-admin'}`);
}

async function confirmRemoval({ ctx, memberAccess }: AdminDeps, req: Request, res: Response) {
  const preview = await instanceRemovalPreview(ctx.db, uuidParam(req), memberAccess);
  if (!preview) throw new NotFound();
  res.render('admin/remove-organiser', { title: req.t('admin.remove.title'), preview });
}

async function remove({ ctx }: AdminDeps, req: Request, res: Response) {
  const outcome = await removeOrganiser(ctx, auditActor(adminOf(res)), uuidParam(req));
  if (outcome === 'not-found') throw new NotFound();
  if (outcome === 'self') throw new AppError(409, 'conflict', 'admin.errors.selfRemove');
  res.redirect(303, '/admin/organisers?done=removed');
}

async function showLetters({ ctx }: AdminDeps, req: Request, res: Response) {
  const before = query(req, 'before', UUID);
  const { letters, next } = await listAllLetters(ctx.db, before);
  res.render('admin/letters', { title: req.t('admin.letters.title'), letters, next });
}

async function loadLetter(ctx: AppContext, req: Request) {
  const letter = await findLetterBySlug(ctx.db, slugParam(req));
  if (!letter) throw new NotFound();
  return letter;
}

async function renderReview(
  deps: AdminDeps,
  req: Request,
  res: Response,
  form: { values: Record<string, string>; errors: Record<string, string> },
  status = 200,
) {
  const { ctx } = deps;
  const letter = await loadLetter(ctx, req);
  const [decisions, reasons] = await Promise.all([
    letterDecisions(ctx.db, letter.id),
    rejectionReasons(ctx.db, { activeOnly: true }),
  ]);
  const version = findTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
  const firstRejecter = [...decisions].reverse().find((d) => d.decision === 'reject' && !d.secondReview)?.adminId;
  res.status(status).render('admin/review', {
    title: req.t('admin.review.title', { title: version?.title ?? letter.slug }),
    letter,
    version,
    bodyHtml: version ? renderMarkdown(version.body) : '',
    decisions: decisions.map((d) => ({
      ...d,
      reason: d.reasonKey ? reasonLabel({ key: d.reasonKey, label: d.reasonLabel }, req.t) : '',
    })),
    reasons: reasons.map((r) => ({ key: r.key, label: reasonLabel(r, req.t) })),
    // On a second review, the admin who rejected it first may not decide.
    sameAdmin: letter.secondReviewRequestedAt !== null && firstRejecter === adminOf(res).id,
    form,
  });
}

async function showReview(deps: AdminDeps, req: Request, res: Response) {
  await renderReview(deps, req, res, { values: {}, errors: {} });
}

async function showReviewPreview({ ctx, preview }: AdminDeps, req: Request, res: Response) {
  await preview(req, res, await loadLetter(ctx, req));
}

const decisionSchema = z.object({
  decision: z.enum(REVIEW_DECISIONS, { message: 'admin.errors.decision' }),
  reason: z.string().max(40).optional(),
  note: z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').trim())
    .pipe(z.string().max(REVIEW_NOTE_MAX, { message: 'admin.errors.tooLong' })),
});

const PROBLEM_FIELD: Record<Exclude<DecideOutcome, { ok: true }>['problem'], [string, string]> = {
  'not-waiting': ['decision', 'admin.errors.notWaiting'],
  'same-admin': ['decision', 'admin.errors.sameAdmin'],
  reason: ['reason', 'admin.errors.reason'],
  note: ['note', 'admin.errors.note'],
};

async function postDecision(deps: AdminDeps, req: Request, res: Response) {
  const { ctx } = deps;
  const b = (req.body ?? {}) as Record<string, unknown>;
  const values = { decision: str(b.decision), reason: str(b.reason), note: str(b.note) };
  const parsed = parseForm(decisionSchema, req.body);
  if (!parsed.ok) return renderReview(deps, req, res, { values, errors: parsed.errors }, 422);
  const letter = await loadLetter(ctx, req);
  const outcome = await decide(ctx, letter.id, auditActor(adminOf(res)), {
    decision: parsed.data.decision,
    reasonKey: parsed.data.reason || null,
    note: parsed.data.note,
  });
  if (!outcome.ok) {
    const [field, message] = PROBLEM_FIELD[outcome.problem];
    const status = outcome.problem === 'same-admin' ? 403 : outcome.problem === 'not-waiting' ? 409 : 422;
    return renderReview(deps, req, res, { values, errors: { [field]: message } }, status);
  }
  res.redirect(303, `/admin?decided=${parsed.data.decision}`);
}

async function renderSettings(
  { ctx }: AdminDeps,
  req: Request,
  res: Response,
  errors: Record<string, string> = {},
  status = 200,
) {
  const settings = await instanceSettings(ctx.db);
  res.status(status).render('admin/settings', {
    title: req.t('admin.settings.title'),
    settings,
    reasons: settings.reasons.map((r) => ({ ...r, shown: reasonLabel(r, req.t) })),
    policies: START_POLICIES,
    errors,
    saved: req.query.saved === '1',
  });
}

async function showSettings(deps: AdminDeps, req: Request, res: Response) {
  await renderSettings(deps, req, res);
}

const settingsSchema = z.object({
  startPolicy: z.enum(START_POLICIES, { message: 'admin.errors.policy' }),
  cosponsorsRequired: z
    .string()
    .regex(/^\d{1,3}$/, { message: 'admin.errors.cosponsors' })
    .transform(Number)
    .refine((n) => n <= 100, { message: 'admin.errors.cosponsors' }),
  rulesText: z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').trim())
    .pipe(z.string().max(20_000, { message: 'admin.errors.tooLong' })),
});

async function saveSettings(deps: AdminDeps, req: Request, res: Response) {
  const parsed = parseForm(settingsSchema, req.body);
  if (!parsed.ok) return renderSettings(deps, req, res, parsed.errors, 422);
  await updateSettings(deps.ctx.db, auditActor(adminOf(res)), parsed.data);
  res.redirect(303, '/admin/settings?saved=1');
}

const label = z
  .string()
  .optional()
  .transform((s) => (s ?? '').normalize('NFC').trim())
  .pipe(z.string().max(200, { message: 'admin.errors.tooLong' }));

async function saveReasons(deps: AdminDeps, req: Request, res: Response) {
  const b = (req.body ?? {}) as Record<string, unknown>;
  const existing = await rejectionReasons(deps.ctx.db);
  const reasons = [];
  for (const r of existing) {
    const parsed = label.safeParse(b[`label_${r.key}`]);
    if (!parsed.success) return renderSettings(deps, req, res, { reasons: 'admin.errors.tooLong' }, 422);
    reasons.push({ key: r.key, label: parsed.data, active: b[`active_${r.key}`] === 'on' });
  }
  const newLabel = label.safeParse(b.newLabel);
  if (!newLabel.success) return renderSettings(deps, req, res, { newLabel: 'admin.errors.tooLong' }, 422);
  let added: { key: string; label: string } | null = null;
  if (newLabel.data) {
    const key = newLabel.data
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32);
    added = { key: `${key || 'reason'}-${existing.length + 1}`, label: newLabel.data };
  }
  await updateReasons(deps.ctx.db, auditActor(adminOf(res)), { reasons, added });
  res.redirect(303, '/admin/settings?saved=1#reasons');
}

async function showAudit({ ctx }: AdminDeps, req: Request, res: Response) {
  const before = query(req, 'before', /^\d{1,19}$/);
  const { entries, next } = await listInstanceAudit(ctx.db, { before });
  res.render('admin/audit', { title: req.t('admin.audit.title'), entries, next });
}

/** `/admin`: the instance's admins' pages. Every route is for admins only (requireAdmin). */
export function adminRouter(deps: AdminDeps): Router {
  const r = Router();
  const on = handlersOf(deps);
  r.use('/admin', requireAdmin);
  r.get('/admin', on(showOverview));
  r.get('/admin/organisers', on(showOrganisers));
  r.post('/admin/organisers', on(invite));
  r.post('/admin/organisers/:id/admin', on(changeAdminRole));
  r.get('/admin/organisers/:id/remove', on(confirmRemoval));
  r.post('/admin/organisers/:id/remove', on(remove));
  r.get('/admin/letters', on(showLetters));
  r.get('/admin/review/:slug', on(showReview));
  r.get('/admin/review/:slug/preview', on(showReviewPreview));
  r.post('/admin/review/:slug', on(postDecision));
  r.get('/admin/settings', on(showSettings));
  r.post('/admin/settings', on(saveSettings));
  r.post('/admin/settings/reasons', on(saveReasons));
  r.get('/admin/audit', on(showAudit));
  return r;
}
