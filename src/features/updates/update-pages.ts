import type { Request, Response } from 'express';
import { currentOrganiser, auditActor, type OrganiserLocals } from '../../core/access';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import { renderEmailMarkdown } from '../../core/letters/rendering';
import { listTextVersionHeads } from '../../core/letters/text-versions';
import type { AppContext } from '../../platform/context';
import { parseForm } from '../../platform/web/validate';
import { cancelLetterUpdate, sendLetterUpdate } from './send-letter-update';
import { languagePlan } from './update-languages';
import { remainingThisWeek, updatesInWeekOf, UPDATES_PER_WEEK, WeeklyLimitReached } from './update-limit';
import { countSegmentByLanguage, EVERYONE, segmentCountries, segmentOf, type Segment } from './update-segment';
import { updateStats } from './update-stats';
import { SCHEDULE_MAX_DAYS, UPDATE_BODY_MAX, updateFormSchema, type UpdateForm } from './updates.schema';
import { listUpdates } from './updates.service';

export const UPDATES_CSS = '<link rel="stylesheet" href="/static/updates.css">';

type Form = { values: Record<string, unknown>; errors: Record<string, string> };

function letterOf(res: Response): Letter {
  return (res.locals as OrganiserLocals).letter!;
}

/** The letter's languages, its default first: the versions an update can have. */
function languagesOf(letter: Letter): Language[] {
  const others = letter.translations.map((t) => t.language).filter((l) => l !== letter.defaultLanguage);
  return [letter.defaultLanguage, ...others.sort()];
}

/** A time as the owner reads it: date and time in their language, in UTC (what the form asks for). */
function formatUtc(d: Date, lang: Language): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(d)} UTC`;
}

function letterView(req: Request, letter: Letter) {
  return {
    slug: letter.slug,
    title: chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).title,
    languages: languagesOf(letter),
    defaultLanguage: letter.defaultLanguage,
  };
}

/** The segment as words: "all", or its countries, text version and channel. */
function describeSegment(req: Request, s: Segment): string[] {
  const parts: string[] = [];
  if (s.countries?.length)
    parts.push(
      req.t('updates.segment.describeCountries', {
        countries: s.countries
          .map((c) => (req.res!.locals as { countryName(c: string): string }).countryName(c))
          .join(', '),
      }),
    );
  if (s.textVersion)
    parts.push(
      req.t('updates.segment.describeVersion', {
        language: req.t(`languages.${s.textVersion.language}`),
        version: s.textVersion.version,
      }),
    );
  if (s.source) parts.push(req.t(`updates.segment.describe_${s.source}`));
  return parts;
}

/** The editor, with the letter's updates, their figures, and what remains of this week's limit. */
async function renderEditor(ctx: AppContext, req: Request, res: Response, form: Form, status = 200) {
  const letter = letterOf(res);
  const languages = languagesOf(letter);
  const [byLanguage, countries, updates, remaining] = await Promise.all([
    countSegmentByLanguage(ctx.db, letter.id, EVERYONE),
    segmentCountries(ctx.db, letter.id),
    listUpdates(ctx.db, letter.id),
    remainingThisWeek(ctx.db, letter.id),
  ]);
  const stats = await updateStats(
    ctx.db,
    letter.id,
    updates.map((u) => u.id),
  );
  const textVersions = [];
  for (const language of languages)
    for (const v of await listTextVersionHeads(ctx.db, letter, language))
      textVersions.push({ value: `${language}:${v.version}`, language, version: v.version, current: v.current });
  const plan = languagePlan(languages, letter.defaultLanguage, new Set(languages), byLanguage);
  const now = new Date();
  res.status(status).render('updates/updates', {
    title: req.t('updates.organise.title'),
    headExtra: UPDATES_CSS,
    letter: letterView(req, letter),
    recipients: plan.total,
    languageRows: plan.rows,
    otherLanguages: plan.others,
    countries,
    textVersions,
    limit: UPDATES_PER_WEEK,
    remaining,
    maxDays: SCHEDULE_MAX_DAYS,
    bodyMax: UPDATE_BODY_MAX,
    updates: updates.map((u) => ({
      id: u.id,
      subject: u.subject,
      segment: describeSegment(req, segmentOf(u)),
      sendAt: formatUtc(u.sendAt, req.lang),
      state: u.cancelledAt ? 'cancelled' : u.sentAt ? 'sent' : u.sendAt > now ? 'scheduled' : 'sending',
      cancellable: !u.cancelledAt && !u.sentAt && !u.fanoutCursor && u.recipients === 0,
      recipients: u.recipients,
      stats: stats.get(u.id) ?? { sent: 0, bounced: 0, unsubscribed: 0 },
    })),
    notice: typeof req.query.done === 'string' ? req.query.done : null,
    form,
  });
}

/** The step between writing and sending: whom it reaches, per language, and the versions as they will read. */
async function renderPreview(ctx: AppContext, req: Request, res: Response, data: UpdateForm, form: Form, status = 200) {
  const letter = letterOf(res);
  const languages = languagesOf(letter);
  const byLanguage = await countSegmentByLanguage(ctx.db, letter.id, data.segment);
  const plan = languagePlan(languages, letter.defaultLanguage, new Set(data.versions.keys()), byLanguage);
  const at = data.sendAt ?? new Date();
  const left = Math.max(0, UPDATES_PER_WEEK - (await updatesInWeekOf(ctx.db, letter.id, at)));
  // What was typed and chosen, carried to the confirm button (several countries as one field).
  const hidden: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(form.values)) {
    if (k === '_csrf' || k === 'step') continue;
    const value = Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(',') : v;
    if (typeof value === 'string') hidden.push([k, value]);
  }
  res.status(status).render('updates/preview', {
    title: req.t('updates.preview.title'),
    headExtra: UPDATES_CSS,
    letter: letterView(req, letter),
    plan,
    segment: describeSegment(req, data.segment),
    sendAt: data.sendAt ? formatUtc(data.sendAt, req.lang) : null,
    limit: UPDATES_PER_WEEK,
    left,
    versions: languages
      .filter((l) => data.versions.has(l))
      .map((l) => ({
        language: l,
        subject: data.versions.get(l)!.subject,
        bodyHtml: renderEmailMarkdown(data.versions.get(l)!.body),
      })),
    hidden,
    form,
  });
}

export async function showUpdates(ctx: AppContext, req: Request, res: Response): Promise<void> {
  await renderEditor(ctx, req, res, { values: {}, errors: {} });
}

/**
 * The form's one action: shows the preview (whom it reaches, per language), or back to the
 * editor, or, from the preview's confirm button, sends or schedules it. A message to many signers
 * goes only from that button, on a page that said how many it reaches.
 */
export async function postUpdate(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  const values = (req.body ?? {}) as Record<string, unknown>;
  const parsed = parseForm(updateFormSchema(languagesOf(letter), letter.defaultLanguage), values);
  if (!parsed.ok) return renderEditor(ctx, req, res, { values, errors: parsed.errors }, 422);
  const data = parsed.data;
  if (data.step === 'edit') return renderEditor(ctx, req, res, { values, errors: {} });
  if (data.step === 'preview') return renderPreview(ctx, req, res, data, { values, errors: {} });
  try {
    await sendLetterUpdate(ctx, letter, data, auditActor(currentOrganiser(res)!));
  } catch (err) {
    if (!(err instanceof WeeklyLimitReached)) throw err;
    return renderPreview(ctx, req, res, data, { values, errors: { _form: 'updates.errors.weeklyLimit' } }, 429);
  }
  res.redirect(303, `/organise/letters/${letter.slug}/updates?done=${data.sendAt ? 'scheduled' : 'sent'}`);
}

export async function cancelUpdate(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const letter = letterOf(res);
  await cancelLetterUpdate(ctx, letter, String(req.params.updateId), auditActor(currentOrganiser(res)!));
  res.redirect(303, `/organise/letters/${letter.slug}/updates?done=cancelled`);
}
