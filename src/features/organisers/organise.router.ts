import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import { LANGUAGES, LETTER_STATUSES, VISIBILITIES, type Letter } from '../../core/letters/letter.entity';
import { findTranslation, renderMarkdown } from '../../core/letters/letters.service';
import { NotFound } from '../../platform/web/errors';
import { parseForm } from '../../platform/web/validate';
import { barChartSvg, dailyChartSvg, groupedDailyChartSvg } from '../../platform/web/svg-charts';
import { verificationFunnel } from '../integrity';
import { INVALIDATION_CATEGORIES } from '../signatures';
import {
  currentOrganiser,
  requireLetterRole,
  requireOrganiser,
  type OrganiserLocals,
} from '../../core/access/auth.middleware';
import { challengeModeChanges, challengeModeState } from '../abuse';
import { heldSignatures, letterStats, searchSignatures } from './dashboard.service';
import { createLetter, recordDelivery, updateLetter } from './letter-editing.service';
import { letterFormValues, MAX_TRANSLATIONS, parseLetterForm, type LetterFormValues } from './letter-form.schema';
import {
  deliverySchema,
  domainSchema,
  invalidateSchema,
  removeMemberSchema,
  roleSchema,
  searchSchema,
} from './moderation-form.schema';
import { invalidateDomain, invalidateSignature, releaseHeldSignature, setSignatureHidden } from './moderation.service';
import { inviteToTeam, revokeInvitation, teamOf, type LetterTeam } from './invitations.service';
import { auditActor, removeRole } from '../../core/access/organisers.service';
import { type MemberAccessFn, removalPreview } from '../../core/access/member-access';
import { listOrganiserLetters } from './workspace.service';
import { signersOfCurrentText } from '../versions';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DONE = ['hidden', 'unhidden', 'invalidated', 'released', 'domain', 'delivery'];

function locals(res: Response): Required<OrganiserLocals> {
  return res.locals as Required<OrganiserLocals>;
}

function emptyForm(): LetterFormValues {
  return {
    slug: '',
    status: 'draft',
    goal: '',
    closesAt: '',
    defaultLanguage: 'en',
    publicNamesDefault: 'private',
    translations: Array.from({ length: MAX_TRANSLATIONS }, (_, i) => ({
      language: i === 0 ? 'en' : '',
      title: '',
      shortTitle: '',
      summary: '',
      body: '',
      recipient: '',
      remove: false,
    })),
  };
}

/** The form as stored: existing versions first, then blank rows to add languages. */
function formFromLetter(letter: Letter): LetterFormValues {
  const rows: LetterFormValues['translations'] = [...letter.translations]
    .sort((a, b) => LANGUAGES.indexOf(a.language) - LANGUAGES.indexOf(b.language))
    .map((t) => ({
      language: t.language,
      title: t.title,
      shortTitle: t.shortTitle ?? '',
      summary: t.summary,
      body: t.body,
      recipient: t.recipient,
      remove: false,
    }));
  while (rows.length < MAX_TRANSLATIONS)
    rows.push({ language: '', title: '', shortTitle: '', summary: '', body: '', recipient: '', remove: false });
  return {
    slug: letter.slug,
    status: letter.status,
    goal: letter.goal ? String(letter.goal) : '',
    closesAt: letter.closesAt ? letter.closesAt.toISOString().slice(0, 10) : '',
    defaultLanguage: letter.defaultLanguage,
    publicNamesDefault: letter.publicNamesDefault,
    translations: rows,
  };
}

/** The owner-only settings an editor's form leaves out, filled in from the letter as stored. */
function withOwnerFields(body: unknown, letter: Letter): Record<string, unknown> {
  const stored = formFromLetter(letter);
  const b = { ...((body ?? {}) as Record<string, unknown>) };
  for (const k of ['slug', 'status', 'closesAt', 'publicNamesDefault'] as const) b[k] ??= stored[k];
  return b;
}

function isPreview(req: Request): boolean {
  return (req.body as Record<string, unknown> | undefined)?.action === 'preview';
}

function backTo(slug: string, req: Request, done: string): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const params = new URLSearchParams({ done });
  if (typeof body.q === 'string' && body.q) params.set('q', body.q.slice(0, 200));
  if (typeof body.page === 'string' && /^\d{1,6}$/.test(body.page)) params.set('page', body.page);
  return `/organise/letters/${slug}?${params.toString()}`;
}

/**
 * What a feature above adds to the delivery area of the dashboard (the recipient links): a view
 * and its locals, or null. Passed down by the composition, since organisers cannot import it.
 */
export type DeliveryPanelFn = (
  letter: Letter,
  role: string | undefined,
) => Promise<{ view: string; locals: Record<string, unknown> } | null>;

/** The organisers' workspace: their letters, editing, the dashboard, moderation and delivery. */
export function organiseRouter(
  ctx: AppContext,
  above: { deliveryPanel?: DeliveryPanelFn; memberAccess?: MemberAccessFn[] } = {},
): Router {
  const r = Router();
  r.use('/organise', requireOrganiser);

  r.get('/organise', async (req, res) => {
    const letters = await listOrganiserLetters(ctx.db, currentOrganiser(res)!.id, req.lang);
    res.render('organise/letters', { title: req.t('organisers.list.title'), letters });
  });

  /* ---------------------------------------------------------------- letter form */

  async function renderForm(
    req: Request,
    res: Response,
    opts: {
      mode: 'new' | 'edit';
      values: LetterFormValues;
      errors?: Record<string, string>;
      status?: number;
      preview?: boolean;
      saved?: boolean;
      invited?: boolean;
      team?: LetterTeam | null;
      teamErrors?: Record<string, string>;
    },
  ) {
    const role = opts.mode === 'new' ? 'owner' : locals(res).letterRole;
    const previews = opts.preview
      ? opts.values.translations.map((t) => (t.body.trim() && !t.remove ? renderMarkdown(t.body) : null))
      : null;
    const signed = opts.mode === 'edit' ? await signersOfCurrentText(ctx.db, locals(res).letter) : {};
    res.status(opts.status ?? 200).render('organise/letter-form', {
      signed,
      title: opts.mode === 'new' ? req.t('organisers.form.newTitle') : req.t('organisers.form.editTitle'),
      mode: opts.mode,
      role,
      slug: opts.mode === 'edit' ? locals(res).letter.slug : null,
      publicStatus: opts.mode === 'edit' ? locals(res).letter.status : null,
      form: { values: opts.values, errors: opts.errors ?? {} },
      previews,
      saved: !!opts.saved,
      invited: !!opts.invited,
      statuses: LETTER_STATUSES,
      visibilities: VISIBILITIES,
      team: opts.mode === 'edit' && role === 'owner' ? opts.team : null,
      teamErrors: opts.teamErrors ?? {},
    });
  }

  r.get('/organise/letters/new', async (req, res) => {
    await renderForm(req, res, { mode: 'new', values: emptyForm() });
  });

  r.post('/organise/letters', async (req, res) => {
    const values = letterFormValues(req.body);
    if (isPreview(req)) return renderForm(req, res, { mode: 'new', values, preview: true });
    const parsed = parseLetterForm(req.body, { withSlug: true, withStatus: true });
    if (!parsed.ok) return renderForm(req, res, { mode: 'new', values, errors: parsed.errors, status: 422 });
    const saved = await createLetter(ctx, currentOrganiser(res)!, parsed.data);
    if (!saved.ok) return renderForm(req, res, { mode: 'new', values, errors: saved.errors, status: 422 });
    res.redirect(303, `/organise/letters/${saved.slug}/edit?saved=1`);
  });

  r.get('/organise/letters/:slug/edit', requireLetterRole(ctx), async (req, res) => {
    const { letter, letterRole } = locals(res);
    await renderForm(req, res, {
      mode: 'edit',
      values: formFromLetter(letter),
      saved: req.query.saved === '1',
      invited: req.query.invited === '1',
      team: letterRole === 'owner' ? await teamOf(ctx.db, letter.id) : null,
    });
  });

  r.post('/organise/letters/:slug/edit', requireLetterRole(ctx), async (req, res) => {
    const { letter, letterRole } = locals(res);
    const isOwner = letterRole === 'owner';
    // An editor's form has no owner-only fields: they keep their stored values. One sent anyway
    // (a crafted request) that changes them is refused by updateLetter with 403.
    const body: unknown = isOwner ? req.body : withOwnerFields(req.body, letter);
    const values = letterFormValues(body);
    const team = isOwner ? await teamOf(ctx.db, letter.id) : null;
    if (isPreview(req)) return renderForm(req, res, { mode: 'edit', values, preview: true, team });
    const parsed = parseLetterForm(body, { withSlug: true, withStatus: true });
    if (!parsed.ok) return renderForm(req, res, { mode: 'edit', values, errors: parsed.errors, status: 422, team });
    const saved = await updateLetter(ctx, letter, letterRole, parsed.data, currentOrganiser(res)!);
    if (!saved.ok) return renderForm(req, res, { mode: 'edit', values, errors: saved.errors, status: 422, team });
    res.redirect(303, `/organise/letters/${saved.slug}/edit?saved=1`);
  });

  /* ---------------------------------------------------------------- team (owners) */

  // Adding an address sends it an invitation, whatever the address: the answer is the same for an
  // organiser's address and for any other (no oracle), and nobody joins without accepting.
  r.post('/organise/letters/:slug/team', requireLetterRole(ctx, 'owner'), async (req, res) => {
    const { letter } = locals(res);
    const parsed = parseForm(roleSchema, req.body);
    if (parsed.ok) {
      await inviteToTeam(ctx, letter, parsed.data, auditActor(currentOrganiser(res)!), req.lang);
      return res.redirect(303, `/organise/letters/${letter.slug}/edit?invited=1#team`);
    }
    await renderForm(req, res, {
      mode: 'edit',
      values: formFromLetter(letter),
      status: 422,
      team: await teamOf(ctx.db, letter.id),
      teamErrors: parsed.errors,
    });
  });

  r.post('/organise/letters/:slug/invitations/:id/revoke', requireLetterRole(ctx, 'owner'), async (req, res) => {
    const { letter } = locals(res);
    if (!(await revokeInvitation(ctx, letter.id, String(req.params.id), auditActor(currentOrganiser(res)!))))
      throw new NotFound();
    res.redirect(303, `/organise/letters/${letter.slug}/edit?saved=1#team`);
  });

  // Removing a member (or leaving) ends what they handed out on the letter. When there is any,
  // the owner sees it listed first and confirms, choosing to revoke it or to take it over.
  r.post('/organise/letters/:slug/team/remove', requireLetterRole(ctx, 'owner'), async (req, res) => {
    const { letter } = locals(res);
    const me = currentOrganiser(res)!;
    const parsed = parseForm(removeMemberSchema, req.body);
    const organiserId = parsed.ok ? parsed.data.organiserId : '';
    const preview = organiserId ? await removalPreview(ctx.db, letter.id, organiserId, above.memberAccess ?? []) : null;
    let outcome: Awaited<ReturnType<typeof removeRole>> = 'not-found';
    if (parsed.ok && preview) {
      const leaving = organiserId === me.id;
      const label = preview.member.name || preview.member.email;
      if (!parsed.data.confirm && preview.groups.length) {
        return res.render('organise/remove-member', {
          title: req.t(leaving ? 'organisers.removeMember.leaveTitle' : 'organisers.removeMember.title', {
            member: label,
          }),
          slug: letter.slug,
          member: { id: organiserId, label },
          groups: preview.groups,
          leaving,
        });
      }
      outcome = await removeRole(ctx.db, letter.id, organiserId, auditActor(me), {
        handOver: !leaving && parsed.data.handOver === 'me',
      });
    }
    if (outcome === 'removed')
      return res.redirect(
        303,
        organiserId === me.id ? '/organise' : `/organise/letters/${letter.slug}/edit?saved=1#team`,
      );
    await renderForm(req, res, {
      mode: 'edit',
      values: formFromLetter(letter),
      status: 422,
      team: await teamOf(ctx.db, letter.id),
      teamErrors: { remove: outcome === 'last-owner' ? 'organisers.errors.lastOwner' : 'organisers.errors.invalid' },
    });
  });

  /* ---------------------------------------------------------------- dashboard */

  async function renderDashboard(
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
    const [stats, list, held, funnel, challengeMode, challengeChanges, deliveryPanel] = await Promise.all([
      letterStats(ctx.db, letter.id),
      searchSignatures(ctx.db, letter.id, { query, page, ...access }),
      heldSignatures(ctx.db, letter.id, access),
      verificationFunnel(ctx.db, letter.id),
      challengeModeState(ctx.db, letter.id),
      challengeModeChanges(ctx.db, letter.id),
      above.deliveryPanel ? above.deliveryPanel(letter, letterRole) : null,
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
      delivery: {
        deliveredAt: letter.deliveredAt ? letter.deliveredAt.toISOString().slice(0, 10) : '',
        deliveredTo: letter.deliveredTo ?? '',
        deliveryNote: letter.deliveryNote ?? '',
      },
    });
  }

  r.get('/organise/letters/:slug', requireLetterRole(ctx), async (req, res) => {
    await renderDashboard(req, res);
  });

  /* ---------------------------------------------------------------- moderation */

  r.post('/organise/letters/:slug/signatures/:id/hide', requireLetterRole(ctx), async (req, res) => {
    const { letter } = locals(res);
    await setSignatureHidden(ctx, auditActor(currentOrganiser(res)!), letter.id, String(req.params.id), true);
    res.redirect(303, backTo(letter.slug, req, 'hidden'));
  });

  r.post('/organise/letters/:slug/signatures/:id/unhide', requireLetterRole(ctx), async (req, res) => {
    const { letter } = locals(res);
    await setSignatureHidden(ctx, auditActor(currentOrganiser(res)!), letter.id, String(req.params.id), false);
    res.redirect(303, backTo(letter.slug, req, 'unhidden'));
  });

  r.post('/organise/letters/:slug/signatures/:id/invalidate', requireLetterRole(ctx), async (req, res) => {
    const { letter } = locals(res);
    const id = String(req.params.id);
    const parsed = parseForm(invalidateSchema, req.body);
    if (!parsed.ok)
      return renderDashboard(req, res, {
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
  });

  r.post('/organise/letters/:slug/signatures/:id/release', requireLetterRole(ctx), async (req, res) => {
    const { letter } = locals(res);
    await releaseHeldSignature(ctx, auditActor(currentOrganiser(res)!), letter.id, String(req.params.id));
    res.redirect(303, backTo(letter.slug, req, 'released'));
  });

  r.post('/organise/letters/:slug/invalidate-domain', requireLetterRole(ctx), async (req, res) => {
    const { letter } = locals(res);
    const parsed = parseForm(domainSchema, req.body);
    if (!parsed.ok)
      return renderDashboard(req, res, {
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
  });

  /* ---------------------------------------------------------------- delivery */

  // Owners only: the delivery is the letter's official record, and it starts signers' retention clock.
  r.post('/organise/letters/:slug/delivery', requireLetterRole(ctx, 'owner'), async (req, res) => {
    const { letter } = locals(res);
    const parsed = parseForm(deliverySchema, req.body);
    const prefixed = (errors: Record<string, string>) =>
      Object.fromEntries(Object.entries(errors).map(([k, v]) => [`delivery-${k}`, v]));
    if (!parsed.ok) return renderDashboard(req, res, { status: 422, errors: prefixed(parsed.errors) });
    const saved = await recordDelivery(ctx, letter, parsed.data, auditActor(currentOrganiser(res)!));
    if (!saved.ok) return renderDashboard(req, res, { status: 422, errors: prefixed(saved.errors) });
    res.redirect(303, `/organise/letters/${letter.slug}?done=delivery#delivery`);
  });

  return r;
}
