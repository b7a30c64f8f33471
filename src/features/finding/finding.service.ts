import type { DataSource } from 'typeorm';
import type { Language, LetterStatus } from '../../core/letters/letter.entity';
import { publicStatus } from '../../core/letters/letter.entity';
import type { LetterTranslation } from '../../core/letters/letter-translation.entity';
import { findTranslation } from '../../core/letters/letters.service';
import { publicLetterSql } from '../../core/letters/review';
import { verifiedCounts } from '../../core/letters/counts.service';
import { FINDING_PAGE_SIZE, type LetterFilter, type LetterSort } from './finding-query.schema';

/** A letter the public may see: open or closed, never a draft, and reviewed where review applies. */
export const PUBLISHED_LETTER = publicLetterSql('l');

/** Closed as the letter page says it (publicStatus): closed, or open past its deadline. */
const CLOSED = `(l.status = 'closed' OR (l.status = 'open' AND l.closes_at <= now()))`;
const OPEN = `(l.status = 'open' AND (l.closes_at IS NULL OR l.closes_at > now()))`;
/** A response the public can read: an official one, or an addressee's that the owners published. */
const ANSWERED = `EXISTS (SELECT 1 FROM letter_responses r WHERE r.letter_id = l.id AND r.status = 'published')`;

const FILTERS: Record<LetterFilter, string> = {
  open: OPEN,
  closed: CLOSED,
  delivered: 'l.delivered_at IS NOT NULL',
  answered: ANSWERED,
  all: 'true',
};

/**
 * The verified count of every letter, for the most-signed order: the folded totals and the deltas
 * not yet folded (the same figure the cards show), aggregated once for the statement (a count per
 * letter, read row by row, cost 300 ms over 5,000 letters).
 */
const COUNTS_JOIN = `LEFT JOIN (
  SELECT letter_id, sum(n) AS n FROM (
    SELECT letter_id, sum(verified) AS n FROM letter_country_counts GROUP BY letter_id
    UNION ALL
    SELECT letter_id, sum(delta) AS n FROM signature_count_deltas GROUP BY letter_id
  ) x GROUP BY letter_id) c ON c.letter_id = l.id`;

/**
 * Each order ends on the id, so that it is total and a page boundary falls in the same place on
 * every request.
 */
const ORDERS: Record<LetterSort, string> = {
  signed: `coalesce(c.n, 0) DESC, l.created_at DESC, l.id DESC`,
  newest: 'l.created_at DESC, l.id DESC',
  closing: 'l.closes_at ASC NULLS LAST, l.created_at DESC, l.id DESC',
};

export interface FoundLetter {
  slug: string;
  title: string;
  summary: string;
  language: Language;
  count: number;
  goal: number | null;
  status: LetterStatus;
  closesAt: Date | null;
  deliveredAt: Date | null;
  /** When the newest published response became public; null for a letter with none. */
  answeredAt: Date | null;
}

export interface FindLettersOptions {
  sort: LetterSort;
  filter: LetterFilter;
  /** Only letters closed (the archive), whatever the filter. */
  closedOnly?: boolean;
  q?: string;
  page: number;
  preferred: Array<Language | null>;
}

/**
 * One page of the published letters a reader asked for. A page costs one query for at most
 * FINDING_PAGE_SIZE + 1 letters (the page number is capped by the query's schema), and for the
 * page's letters one for their titles and summaries (never their texts), one for their counts and
 * one for their responses. The search matches the
 * folded title and summary of any language version through the trigram index
 * (letter_translations_search): "lefevre" finds "Lefèvre", "pismo" finds "Письмо".
 */
export async function findLetters(
  db: DataSource,
  opts: FindLettersOptions,
): Promise<{ letters: FoundLetter[]; more: boolean }> {
  const params: unknown[] = [];
  const where = [PUBLISHED_LETTER, FILTERS[opts.filter]];
  if (opts.closedOnly) where.push(CLOSED);
  if (opts.q) {
    params.push(opts.q);
    where.push(`EXISTS (SELECT 1 FROM letter_translations t WHERE t.letter_id = l.id
      AND t.search_text LIKE '%' || signatory_search_key($${params.length}) || '%')`);
  }
  params.push(FINDING_PAGE_SIZE + 1, (opts.page - 1) * FINDING_PAGE_SIZE);
  const rows: Array<{
    id: string;
    slug: string;
    status: LetterStatus;
    goal: number | null;
    closes_at: Date | null;
    delivered_at: Date | null;
    default_language: Language;
  }> = await db.query(
    `SELECT l.id, l.slug, l.status, l.goal, l.closes_at, l.delivered_at, l.default_language
       FROM letters l ${opts.sort === 'signed' ? COUNTS_JOIN : ''}
      WHERE ${where.join(' AND ')}
      ORDER BY ${ORDERS[opts.sort]}
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  const more = rows.length > FINDING_PAGE_SIZE;
  const page = rows.slice(0, FINDING_PAGE_SIZE);
  if (!page.length) return { letters: [], more: false };
  const ids = page.map((r) => r.id);
  const [translations, counts, answers] = await Promise.all([
    db.query<Array<Pick<LetterTranslation, 'letterId' | 'language' | 'title' | 'summary'>>>(
      `SELECT letter_id AS "letterId", language, title, summary FROM letter_translations WHERE letter_id = ANY($1::uuid[])`,
      [ids],
    ),
    verifiedCounts(db, ids),
    db.query<Array<{ letter_id: string; at: Date }>>(
      `SELECT letter_id, max(published_at) AS at FROM letter_responses
        WHERE letter_id = ANY($1::uuid[]) AND status = 'published' GROUP BY letter_id`,
      [ids],
    ),
  ]);
  const letters = page.flatMap((r) => {
    const version = findTranslation(
      translations.filter((t) => t.letterId === r.id) as LetterTranslation[],
      r.default_language,
      opts.preferred,
    );
    if (!version) return [];
    return [
      {
        slug: r.slug,
        title: version.title,
        summary: version.summary,
        language: version.language,
        count: counts.get(r.id) ?? 0,
        goal: r.goal,
        status: publicStatus({ status: r.status, closesAt: r.closes_at }),
        closesAt: r.closes_at,
        deliveredAt: r.delivered_at,
        answeredAt: answers.find((a) => a.letter_id === r.id)?.at ?? null,
      },
    ];
  });
  return { letters, more };
}
