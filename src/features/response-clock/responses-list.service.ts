import { In, type DataSource } from 'typeorm';
import { LetterTranslation } from '../../core/letters/letter-translation.entity';
import { findTranslation } from '../../core/letters/letters.service';
import type { Language } from '../../platform/web/languages';
import type { AnswerKind } from '../updates';
import { type ClockState, dayOf, daysBetween } from './clock.service';

/** Letters shown in each group of /responses (and entries of its feed): the newest first. */
export const RESPONSES_GROUP_LIMIT = 50;

export interface ListedLetter {
  slug: string;
  title: string;
  language: Language;
  deliveredAt: Date;
  deliveredTo: string | null;
  dueOn: string | null;
  /** Days past the due day, when overdue. */
  overdueDays: number | null;
  answeredOn: string | null;
  answerKind: AnswerKind | null;
  answeredAt: Date | null;
}

export interface ResponsesOverview {
  groups: Record<ClockState, { total: number; letters: ListedLetter[] }>;
}

/** Public delivered letters (open or closed, never a draft), with their clock and first published answer. */
const BASE = `
  FROM letters l
  LEFT JOIN response_clocks c ON c.letter_id = l.id
  LEFT JOIN LATERAL (
    SELECT to_char(r.responded_on, 'YYYY-MM-DD') AS responded_on, r.answer_kind, coalesce(r.published_at, r.created_at) AS answered_at
      FROM letter_responses r WHERE r.letter_id = l.id AND r.status = 'published'
     ORDER BY coalesce(r.published_at, r.created_at), r.id LIMIT 1) a ON true
  WHERE l.delivered_at IS NOT NULL AND l.status IN ('open', 'closed')`;

const GROUP: Record<ClockState, { where: string; order: string }> = {
  answered: { where: `a.answered_at IS NOT NULL`, order: `a.answered_at DESC` },
  overdue: { where: `a.answered_at IS NULL AND c.due_on < $1::date`, order: `c.due_on ASC` },
  awaiting: {
    where: `a.answered_at IS NULL AND (c.due_on IS NULL OR c.due_on >= $1::date)`,
    order: `l.delivered_at DESC`,
  },
};

/**
 * The instance's delivered letters in three groups at `now`: awaiting a response, overdue (the
 * longest overdue first), answered (the newest answer first). Each group shows at most
 * RESPONSES_GROUP_LIMIT letters and says how many it holds: three short queries, whatever the
 * number of letters.
 */
export async function responsesOverview(db: DataSource, lang: Language, now = new Date()): Promise<ResponsesOverview> {
  const today = dayOf(now);
  const states: ClockState[] = ['awaiting', 'overdue', 'answered'];
  const results = await Promise.all(
    states.map(async (state) => {
      const { where, order } = GROUP[state];
      // The answered group does not depend on the day.
      const params = state === 'answered' ? [] : [today];
      const [rows, [count]] = await Promise.all([
        db.query<
          Array<{
            id: string;
            slug: string;
            default_language: Language;
            delivered_at: Date;
            delivered_to: string | null;
            due_on: string | null;
            responded_on: string | null;
            answer_kind: AnswerKind | null;
            answered_at: Date | null;
          }>
        >(
          `SELECT l.id, l.slug, l.default_language, l.delivered_at, l.delivered_to, to_char(c.due_on, 'YYYY-MM-DD') AS due_on,
                  a.responded_on, a.answer_kind, a.answered_at
           ${BASE} AND ${where} ORDER BY ${order}, l.slug LIMIT ${RESPONSES_GROUP_LIMIT}`,
          params,
        ),
        db.query<Array<{ n: string }>>(`SELECT count(*) AS n ${BASE} AND ${where}`, params),
      ]);
      return { state, rows, total: Number(count.n) };
    }),
  );
  const ids = results.flatMap((r) => r.rows.map((x) => x.id));
  const translations = ids.length
    ? await db.getRepository(LetterTranslation).find({
        where: { letterId: In(ids) },
        select: { letterId: true, language: true, title: true, shortTitle: true },
      })
    : [];
  const byLetter = new Map<string, LetterTranslation[]>();
  for (const t of translations) byLetter.set(t.letterId, [...(byLetter.get(t.letterId) ?? []), t]);
  const groups = {} as ResponsesOverview['groups'];
  for (const { state, rows, total } of results) {
    groups[state] = {
      total,
      letters: rows.map((r) => {
        const v = findTranslation(byLetter.get(r.id) ?? [], r.default_language, [lang]);
        return {
          slug: r.slug,
          title: v?.title ?? r.slug,
          language: v?.language ?? r.default_language,
          deliveredAt: r.delivered_at,
          deliveredTo: r.delivered_to,
          dueOn: r.due_on,
          overdueDays: state === 'overdue' && r.due_on ? daysBetween(r.due_on, today) : null,
          answeredOn: r.responded_on,
          answerKind: r.answer_kind,
          answeredAt: r.answered_at,
        };
      }),
    };
  }
  return { groups };
}
