import type { Request, Response } from 'express';
import { findTranslation } from '../../core/letters/letters.service';
import { parseForm } from '../../platform/web/validate';
import { barChartSvg, dailyChartSvg, groupedDailyChartSvg } from '../../platform/web/svg-charts';
import { currentOrganiser } from '../../core/access/auth.middleware';
import { auditActor } from '../../core/access/organisers.service';
import { verificationFunnel } from '../integrity';
import { INVALIDATION_CATEGORIES } from '../signatures';
import { challengeModeChanges, challengeModeState } from '../abuse';
import { updatesPanel } from '../updates';
import { heldSignatures, letterStats, searchSignatures } from './dashboard.service';
import { recordDelivery } from './letter-editing.service';
import {
  clockFormSchema,
  findClock,
  findProgressDigest,
  MAX_PROGRESS_ADDRESSES,
  progressFormSchema,
  saveProgressDigest,
  REMINDER_POINTS,
  RESPONSE_WITHIN_DAYS,
  SUGGESTED_WITHIN_DAYS,
} from '../response-clock';
import { deliverySchema, domainSchema, invalidateSchema, searchSchema } from './moderation-form.schema';
import { invalidateDomain, invalidateSignature, releaseHeldSignature, setSignatureHidden } from './moderation.service';
import { locals, type OrganiseDeps } from './organise-deps';

/* A letter's dashboard: its figures, the list, moderation and the delivery record. */

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DONE = ['hidden', 'unhidden', 'invalidated', 'released', 'domain', 'delivery', 'progress'];

function backTo(slug: string, req: Request, done: string): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const params = new URLSearchParams({ done });
  if (typeof body.q === 'string' && body.q) params.set('q', body.q.slice(0, 200));
  if (typeof body.page === 'string' && /^\d{1,6}$/.test(body.page)) params.set('page', body.page);
  return `/organise/letters/${slug}?${params.toString()}`;
}

async function renderDashboard(
  { ctx, above }: OrganiseDeps,
  req: Request,
  res: Response,
  opts: { status?: number; errors?: Record<string, string> } = {},
) {
  const { letter, letterRole } = locals(res);
  const access = { withEmail: letterRole === 'owner' };
  // A refused query (a control character, as in "%00") searches nothing and says why beside the box.
  const search = parseForm(searchSchema, { q: req.query.q });
  const query = search.ok ? search.data.q : '';
  const pageParam = Number(typeof req.query.page === 'string' ? req.query.page : '1');
  const page = Number.isSafeInteger(pageParam) && pageParam > 0 ? pageParam : 1;
  const [stats, list, held, funnel, challengeMode, challengeChanges, deliveryPanel, updates, responseClock, progress] =
    await Promise.all([
      letterStats(ctx.db, letter.id),
      searchSignatures(ctx.db, letter.id, { query, page, ...access }),
      heldSignatures(ctx.db, letter.id, access),
      verificationFunnel(ctx.db, letter.id),
      challengeModeState(ctx.db, letter.id),
      challengeModeChanges(ctx.db, letter.id),
      above.deliveryPanel ? above.deliveryPanel(letter, letterRole) : null,
      // Mail to signers is the owners' to send: only they see its figures.
      letterRole === 'owner' ? updatesPanel(ctx.db, letter.id) : null,
      findClock(ctx.db, letter.id),
      letterRole === 'owner' ? findProgressDigest(ctx.db, letter.id) : null,
    ]);
  const fmt = res.locals.fmtNumber as (n: number) => string;
  const countryName = res.locals.countryName as (code: string) => string;
  const dayFormat = new Intl.DateTimeFormat(req.lang, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const dailySvg = dailyChartSvg({
    title: req.t('organisers.dashboard.dailyTitle'),
    days: stats.daily,
    formatNumber: fmt,
    formatDay: (d) => (DAY.test(d) ? dayFormat.format(new Date(`${d}T00:00:00Z`)) : d),
    emptyText: req.t('organisers.dashboard.noSignatures'),
    idPrefix: 'daily',
  });
  const countriesSvg = barChartSvg({
    title: req.t('organisers.dashboard.countriesTitle'),
    rows: stats.countries.map((c) => ({ label: countryName(c.country), value: c.count })),
    formatNumber: fmt,
    maxRows: 10,
    otherLabel: req.t('organisers.dashboard.otherCountries'),
    emptyText: req.t('organisers.dashboard.noSignatures'),
    idPrefix: 'countries',
  });
  const funnelSvg = groupedDailyChartSvg({
    title: req.t('integrity.funnel.chartTitle'),
    series: [req.t('integrity.funnel.signed'), req.t('integrity.funnel.confirmed')],
    days: funnel.map((d) => ({ day: d.day, values: [d.signed, d.confirmed] })),
    formatNumber: fmt,
    formatDay: (d) => (DAY.test(d) ? dayFormat.format(new Date(`${d}T00:00:00Z`)) : d),
    emptyText: req.t('integrity.funnel.none'),
    idPrefix: 'funnel',
  });
  const version = findTranslation(letter.translations, letter.defaultLanguage, [req.lang]);
  res.status(opts.status ?? (search.ok ? 200 : 422)).render('organise/dashboard', {
    title: version?.title ?? letter.slug,
    letterTitle: version?.title ?? letter.slug,
    stats,
    dailySvg,
    countriesSvg,
    funnel: funnel
      .filter((d) => d.signed > 0 || d.confirmed > 0 || d.withdrawn > 0 || d.bounced > 0 || d.released > 0)
      .reverse(),
    funnelSvg,
    dayFormat,
    list,
    query,
    page: Math.min(page, list.pages),
    held,
    challengeMode,
    challengeChanges,
    done: typeof req.query.done === 'string' && DONE.includes(req.query.done) ? req.query.done : null,
    doneCount: Number(typeof req.query.n === 'string' ? req.query.n : 0) || 0,
    errors: { ...(search.ok ? {} : { q: search.errors.q }), ...opts.errors },
    values: (req.method === 'POST' ? req.body : {}) as Record<string, unknown>,
    categories: INVALIDATION_CATEGORIES,
    deliveryPanel,
    updates,
    delivery: {
      deliveredAt: letter.deliveredAt ? letter.deliveredAt.toISOString().slice(0, 10) : '',
      deliveredTo: letter.deliveredTo ?? '',
      deliveryNote: letter.deliveryNote ?? '',
    },
    // The response clock's fields: the due day set, or the suggested time for a first delivery.
    clock: {
      dueOn: responseClock?.dueOn ?? '',
      within: responseClock?.dueOn ? '' : String(SUGGESTED_WITHIN_DAYS),
      withinOptions: RESPONSE_WITHIN_DAYS,
      reminders: responseClock?.reminders ?? false,
      points: responseClock?.reminderPoints ?? [-7, 0],
      pointOptions: REMINDER_POINTS,
    },
    // Progress to the addressees before the delivery (owners only; off unless they turn it on).
    progress: {
      on: !!progress,
      addresses: progress?.addresses.join('\n') ?? '',
      plannedOn: progress?.plannedOn ?? '',
      cadence: progress?.cadence ?? 'milestones',
      max: MAX_PROGRESS_ADDRESSES,
    },
  });
}

export async function showDashboard(deps: OrganiseDeps, req: Request, res: Response): Promise<void> {
  await renderDashboard(deps, req, res);
}

export async function hideSignature({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  await setSignatureHidden(ctx, auditActor(currentOrganiser(res)!), letter.id, String(req.params.id), true);
  res.redirect(303, backTo(letter.slug, req, 'hidden'));
}

export async function unhideSignature({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  await setSignatureHidden(ctx, auditActor(currentOrganiser(res)!), letter.id, String(req.params.id), false);
  res.redirect(303, backTo(letter.slug, req, 'unhidden'));
}

export async function invalidateOne({ ctx, above }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  const id = String(req.params.id);
  const parsed = parseForm(invalidateSchema, req.body);
  if (!parsed.ok)
    return renderDashboard({ ctx, above }, req, res, {
      status: 422,
      errors: Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [`${k}-${id}`, v])),
    });
  await invalidateSignature(
    ctx,
    auditActor(currentOrganiser(res)!),
    letter.id,
    id,
    parsed.data.reason,
    parsed.data.category,
    parsed.data.keepName,
  );
  res.redirect(303, backTo(letter.slug, req, 'invalidated'));
}

export async function releaseOne({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  await releaseHeldSignature(ctx, auditActor(currentOrganiser(res)!), letter.id, String(req.params.id));
  res.redirect(303, backTo(letter.slug, req, 'released'));
}

export async function invalidateByDomain({ ctx, above }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  const parsed = parseForm(domainSchema, req.body);
  if (!parsed.ok)
    return renderDashboard({ ctx, above }, req, res, {
      status: 422,
      errors: Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [`domain-${k}`, v])),
    });
  const n = await invalidateDomain(
    ctx,
    auditActor(currentOrganiser(res)!),
    letter.id,
    parsed.data.domain,
    parsed.data.reason,
    parsed.data.category,
    parsed.data.keepName,
  );
  res.redirect(303, `/organise/letters/${letter.slug}?done=domain&n=${n}`);
}

// Owners only: the delivery is the letter's official record, and it starts signers' retention clock.
export async function saveDelivery({ ctx, above }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  const parsed = parseForm(deliverySchema, req.body);
  const clock = parseForm(clockFormSchema, req.body);
  const prefixed = (errors: Record<string, string>) =>
    Object.fromEntries(Object.entries(errors).map(([k, v]) => [`delivery-${k}`, v]));
  if (!parsed.ok || !clock.ok)
    return renderDashboard({ ctx, above }, req, res, {
      status: 422,
      errors: prefixed({ ...(parsed.ok ? {} : parsed.errors), ...(clock.ok ? {} : clock.errors) }),
    });
  const saved = await recordDelivery(ctx, letter, parsed.data, auditActor(currentOrganiser(res)!), clock.data);
  if (!saved.ok) return renderDashboard({ ctx, above }, req, res, { status: 422, errors: prefixed(saved.errors) });
  res.redirect(303, `/organise/letters/${letter.slug}?done=delivery#delivery`);
}

// Owners only: progress digests to the addressees before the delivery, off unless they turn them on.
export async function saveProgress({ ctx, above }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  const parsed = parseForm(progressFormSchema, req.body);
  const prefixed = (errors: Record<string, string>) =>
    Object.fromEntries(Object.entries(errors).map(([k, v]) => [`progress-${k}`, v]));
  if (!parsed.ok) return renderDashboard({ ctx, above }, req, res, { status: 422, errors: prefixed(parsed.errors) });
  const saved = await saveProgressDigest(ctx, letter, parsed.data, auditActor(currentOrganiser(res)!));
  if (!saved.ok) return renderDashboard({ ctx, above }, req, res, { status: 422, errors: prefixed(saved.errors) });
  res.redirect(303, `/organise/letters/${letter.slug}?done=progress#progress`);
}
