import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../platform/context';
import { findPublicLetter } from '../../core/letters/letters.service';
import { slugParam, versionFor } from '../../core/letters/letter-request';
import { handlersOf } from '../../platform/web/handlers';
import { AppError, NotFound } from '../../platform/web/errors';
import { formatDate } from '../../platform/web/i18n';
import { MicroCache } from '../../platform/web/micro-cache';
import type { Language } from '../../platform/web/languages';
import { renderAtomFeed, type AtomEntry } from '../sharing';
import type { ClockState } from './clock.service';
import { responsesOverview, type ListedLetter, type ResponsesOverview } from './responses-list.service';
import { describeEvent, letterTimeline, type TimelineEvent } from './timeline.service';

/** Events on one page of a letter's timeline; the letter page shows the newest TIMELINE_ON_LETTER_PAGE. */
export const TIMELINE_PAGE_SIZE = 20;
export const TIMELINE_ON_LETTER_PAGE = 5;
/** At most this many pages (TIMELINE_SOURCE_CAP bounds the events themselves). */
const MAX_PAGE = 100;
const FEED_CACHE_CONTROL = 'public, max-age=300';

const pageQuery = z.object({
  page: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/)
    .transform(Number)
    .refine((n) => n <= MAX_PAGE)
    .optional(),
});

interface Deps {
  ctx: AppContext;
  overviews: MicroCache<ResponsesOverview>;
  timelines: MicroCache<TimelineEvent[]>;
}

/**
 * `/responses`: the instance's delivered letters, awaiting, overdue and answered, and its Atom
 * feed; `/letters/<slug>/timeline`: a letter's story, page by page without script, and the
 * letter's Atom feed of the same entries. Public reads of a few bounded queries, kept for the
 * letter page's cache time.
 */
export function responseClockRouter(ctx: AppContext): Router {
  const ttl = ctx.config.LETTER_PAGE_CACHE_SECONDS * 1000;
  const on = handlersOf<Deps>({ ctx, overviews: new MicroCache(ttl), timelines: new MicroCache(ttl) });
  const r = Router();
  r.get('/responses', on(showResponses));
  r.get('/responses.atom', on(responsesFeed));
  r.get('/letters/:slug/timeline', on(showTimeline));
  r.get('/letters/:slug/timeline.atom', on(timelineFeed));
  return r;
}

function overviewOf({ ctx, overviews }: Deps, lang: Language): Promise<ResponsesOverview> {
  return overviews.get(lang, () => responsesOverview(ctx.db, lang));
}

async function showResponses(deps: Deps, req: Request, res: Response): Promise<void> {
  const overview = await overviewOf(deps, req.lang);
  res.render('response-clock/responses', {
    title: req.t('responseClock.responses.title'),
    groups: overview.groups,
    feedUrl: `/responses.atom?lang=${req.lang}`,
  });
}

/** One feed entry per listed letter, dated by its last change of state (an answer, the due day passing, the delivery). */
function responseEntry(base: string, lang: Language, t: Request['t'], state: ClockState, l: ListedLetter): AtomEntry {
  const day = (d: string) => formatDate(new Date(`${d}T00:00:00Z`), lang);
  const at =
    state === 'answered'
      ? l.answeredAt!
      : state === 'overdue'
        ? new Date(Date.parse(`${l.dueOn}T00:00:00Z`) + 86_400_000)
        : l.deliveredAt;
  const summary =
    state === 'answered'
      ? t('responseClock.clock.answered', { date: day(l.answeredOn!), kind: t(`responseClock.kind.${l.answerKind}`) })
      : state === 'overdue'
        ? t('responseClock.clock.overdueSince', { date: day(l.dueOn!) })
        : l.dueOn
          ? t('responseClock.clock.awaitingDue', { since: formatDate(l.deliveredAt, lang), date: day(l.dueOn) })
          : t('responseClock.clock.awaiting', { since: formatDate(l.deliveredAt, lang) });
  return {
    id: `${base}/letters/${l.slug}#response-clock-${state}-${at.toISOString()}`,
    title: t(`responseClock.responses.entry.${state}`, { title: l.title }),
    link: `${base}/letters/${l.slug}?lang=${l.language}`,
    updated: at,
    published: at,
    summary: l.deliveredTo ? `${summary} ${t('responseClock.responses.to', { to: l.deliveredTo })}` : summary,
  };
}

async function responsesFeed(deps: Deps, req: Request, res: Response): Promise<void> {
  const base = deps.ctx.config.BASE_URL;
  const { groups } = await overviewOf(deps, req.lang);
  const entries = (['answered', 'overdue', 'awaiting'] as const)
    .flatMap((state) => groups[state].letters.map((l) => responseEntry(base, req.lang, req.t, state, l)))
    .sort((a, b) => b.updated.getTime() - a.updated.getTime());
  const site = req.t('site.name');
  const xml = renderAtomFeed({
    id: `${base}/responses.atom?lang=${req.lang}`,
    title: req.t('responseClock.responses.feedTitle', { site }),
    selfUrl: `${base}/responses.atom?lang=${req.lang}`,
    alternateUrl: `${base}/responses?lang=${req.lang}`,
    language: req.lang,
    authorName: site,
    entries,
  });
  res.set('Cache-Control', FEED_CACHE_CONTROL).type('application/atom+xml; charset=utf-8').send(xml);
}

async function timelineOf({ ctx, timelines }: Deps, req: Request) {
  const letter = await findPublicLetter(ctx.db, slugParam(req));
  const events = await timelines.get(letter.id, () => letterTimeline(ctx.db, letter));
  return { letter, events };
}

async function showTimeline(deps: Deps, req: Request, res: Response): Promise<void> {
  const parsed = pageQuery.safeParse(req.query);
  if (!parsed.success) throw new AppError(400, 'bad_request', 'responseClock.errors.page');
  const page = parsed.data.page ?? 1;
  const { letter, events } = await timelineOf(deps, req);
  const pages = Math.max(1, Math.ceil(events.length / TIMELINE_PAGE_SIZE));
  if (page > pages) throw new NotFound();
  const version = versionFor(req, letter);
  const slice = events.slice((page - 1) * TIMELINE_PAGE_SIZE, page * TIMELINE_PAGE_SIZE);
  const url = (n: number) => `/letters/${letter.slug}/timeline?lang=${req.lang}${n > 1 ? `&page=${n}` : ''}`;
  res.render('response-clock/timeline', {
    title: req.t('responseClock.timeline.title', { title: version.shortTitle ?? version.title }),
    letter: { slug: letter.slug, title: version.title, language: version.language },
    items: slice.map((e) => ({ ...describeEvent(e, letter.slug, req.lang, req.t), at: e.at, key: e.key })),
    page,
    pages,
    total: events.length,
    previousUrl: page > 1 ? url(page - 1) : null,
    nextUrl: page < pages ? url(page + 1) : null,
    feedUrl: `/letters/${letter.slug}/timeline.atom?lang=${req.lang}`,
  });
}

async function timelineFeed(deps: Deps, req: Request, res: Response): Promise<void> {
  const base = deps.ctx.config.BASE_URL;
  const { letter, events } = await timelineOf(deps, req);
  const version = versionFor(req, letter);
  const self = `${base}/letters/${letter.slug}/timeline.atom?lang=${req.lang}`;
  const xml = renderAtomFeed({
    id: `${base}/letters/${letter.slug}/timeline.atom`,
    title: req.t('responseClock.timeline.title', { title: version.title }),
    selfUrl: self,
    alternateUrl: `${base}/letters/${letter.slug}/timeline?lang=${req.lang}`,
    language: req.lang,
    authorName: req.t('site.name'),
    entries: events.slice(0, 50).map((e) => {
      const d = describeEvent(e, letter.slug, req.lang, req.t);
      return {
        id: `${base}/letters/${letter.slug}/timeline#story-${e.key}`,
        title: d.text,
        link: `${base}${d.href ?? `/letters/${letter.slug}/timeline?lang=${req.lang}`}`,
        updated: e.at,
        published: e.at,
      };
    }),
  });
  res.set('Cache-Control', FEED_CACHE_CONTROL).type('application/atom+xml; charset=utf-8').send(xml);
}
