import type { DataSource } from 'typeorm';
import type { Letter } from '../../core/letters/letter.entity';
import { formatDate, formatNumber, type TFunction } from '../../platform/web/i18n';
import type { Language } from '../../platform/web/languages';
import type { AnswerKind } from '../updates';

/** The kinds of a letter's story, in the order that breaks a tie of time (the later kind shows first). */
export const TIMELINE_KINDS = [
  'published',
  'milestone',
  'text-changed',
  'update',
  'delivered',
  'reminders',
  'response',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One event of a letter's story: public facts only (never an address, a name of a signer or a recipient). */
export interface TimelineEvent {
  /** Stable: the Atom entry's id and the page's anchor. */
  key: string;
  kind: TimelineKind;
  at: Date;
  /** A milestone's count; the number of reminders of a day. */
  count?: number;
  /** The update's subject (public, like the feed's). */
  subject?: string;
  /** A text change: the language and the two version numbers, for the diff link. */
  language?: Language;
  from?: number;
  to?: number;
  /** The delivery's addressees as the letter page shows them. */
  deliveredTo?: string | null;
  /** The answer. */
  answerKind?: AnswerKind;
  respondedOn?: string;
  responseId?: string;
}

/** Each source is capped: the story a page reads is bounded whatever the letter's age. */
export const TIMELINE_SOURCE_CAP = 200;
/** Milestones: these counts of verified signatures, and the goal. */
export const MILESTONES = [10, 100, 1_000, 10_000, 100_000, 1_000_000] as const;

/**
 * A letter's story, newest first: published (its first opening in the trail, else its creation),
 * the milestones its daily counts reached, each text change (with the versions for the diff),
 * each email update sent, the delivery, the reminders sent each day (a count), and each published
 * response. Ties in time put the later kind first, then the key, so the order is total.
 */
export async function letterTimeline(db: DataSource, letter: Letter): Promise<TimelineEvent[]> {
  const cap = TIMELINE_SOURCE_CAP;
  const [opened, days, changes, updates, reminders, responses] = await Promise.all([
    db.query<Array<{ at: Date }>>(
      `SELECT created_at AS at FROM audit_events
        WHERE letter_id = $1 AND kind = 'organisers.letter-status-changed' AND detail->>'to' = 'open'
        ORDER BY created_at LIMIT 1`,
      [letter.id],
    ),
    db.query<Array<{ day: string; total: string }>>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(sum(delta)) OVER (ORDER BY day) AS total
         FROM letter_count_days WHERE letter_id = $1 GROUP BY day ORDER BY day`,
      [letter.id],
    ),
    db.query<Array<{ language: Language; version: number; at: Date }>>(
      `SELECT language, version, replaced_at AS at FROM letter_text_versions WHERE letter_id = $1
        ORDER BY replaced_at DESC LIMIT $2`,
      [letter.id, cap],
    ),
    db.query<Array<{ id: string; subject: string; at: Date }>>(
      // An update is in the story once it has gone: never a cancelled one, nor one scheduled for later.
      `SELECT id, subject, greatest(send_at, created_at) AS at FROM letter_updates
        WHERE letter_id = $1 AND cancelled_at IS NULL AND send_at <= now()
        ORDER BY greatest(send_at, created_at) DESC LIMIT $2`,
      [letter.id, cap],
    ),
    db.query<Array<{ day: string; n: string; at: Date }>>(
      `SELECT to_char(sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS n, max(sent_at) AS at
         FROM response_reminders WHERE letter_id = $1 AND status = 'sent'
        GROUP BY 1 ORDER BY 1 DESC LIMIT $2`,
      [letter.id, cap],
    ),
    db.query<Array<{ id: string; kind: AnswerKind; responded_on: string; at: Date }>>(
      `SELECT id, answer_kind AS kind, to_char(responded_on, 'YYYY-MM-DD') AS responded_on, coalesce(published_at, created_at) AS at
         FROM letter_responses WHERE letter_id = $1 AND status = 'published'
        ORDER BY coalesce(published_at, created_at) DESC LIMIT $2`,
      [letter.id, cap],
    ),
  ]);
  const events: TimelineEvent[] = [{ key: 'published', kind: 'published', at: opened[0]?.at ?? letter.createdAt }];
  const thresholds = [
    ...MILESTONES,
    ...(letter.goal && !(MILESTONES as readonly number[]).includes(letter.goal) ? [letter.goal] : []),
  ];
  for (const n of thresholds.sort((a, b) => a - b)) {
    const reached = days.find((d) => Number(d.total) >= n);
    if (reached)
      events.push({ key: `milestone-${n}`, kind: 'milestone', at: new Date(`${reached.day}T12:00:00Z`), count: n });
  }
  for (const c of changes)
    events.push({
      key: `text-${c.language}-${c.version + 1}`,
      kind: 'text-changed',
      at: c.at,
      language: c.language,
      from: c.version,
      to: c.version + 1,
    });
  for (const u of updates) events.push({ key: `update-${u.id}`, kind: 'update', at: u.at, subject: u.subject });
  if (letter.deliveredAt)
    events.push({ key: 'delivered', kind: 'delivered', at: letter.deliveredAt, deliveredTo: letter.deliveredTo });
  for (const r of reminders)
    events.push({ key: `reminders-${r.day}`, kind: 'reminders', at: r.at, count: Number(r.n) });
  for (const r of responses)
    events.push({
      key: `response-${r.id}`,
      kind: 'response',
      at: r.at,
      answerKind: r.kind,
      respondedOn: r.responded_on,
      responseId: r.id,
    });
  const rank = (k: TimelineKind) => TIMELINE_KINDS.indexOf(k);
  return events.sort(
    (a, b) =>
      b.at.getTime() - a.at.getTime() || rank(b.kind) - rank(a.kind) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** How an event reads, in the reader's language: a sentence, and where to read more. */
export function describeEvent(
  e: TimelineEvent,
  slug: string,
  lang: Language,
  t: TFunction,
): { text: string; href: string | null } {
  const letterHref = `/letters/${slug}?lang=${lang}`;
  switch (e.kind) {
    case 'published':
      return { text: t('responseClock.timeline.published'), href: null };
    case 'milestone':
      return {
        text: t('responseClock.timeline.milestone', { count: e.count!, formatted: formatNumber(e.count!, lang) }),
        href: null,
      };
    case 'text-changed':
      return {
        text: t('responseClock.timeline.textChanged', {
          language: t(`languages.${e.language}`),
          from: e.from,
          to: e.to,
        }),
        href: `/letters/${slug}/diff?lang=${e.language}&from=${e.from}&to=${e.to}`,
      };
    case 'update':
      return { text: t('responseClock.timeline.update', { subject: e.subject }), href: null };
    case 'delivered':
      return {
        text: e.deliveredTo
          ? t('responseClock.timeline.deliveredTo', { to: e.deliveredTo })
          : t('responseClock.timeline.delivered'),
        href: null,
      };
    case 'reminders':
      return {
        text: t('responseClock.timeline.reminders', { count: e.count!, formatted: formatNumber(e.count!, lang) }),
        href: null,
      };
    case 'response':
      return {
        text: t('responseClock.timeline.response', {
          kind: t(`responseClock.kind.${e.answerKind}`),
          date: formatDate(new Date(`${e.respondedOn}T00:00:00Z`), lang),
        }),
        href: `${letterHref}#response-${e.responseId}`,
      };
  }
}
