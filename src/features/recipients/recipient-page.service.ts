import type { DataSource } from 'typeorm';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { verifiedCount } from '../../core/letters/counts.service';
import { findLetterById, renderMarkdown } from '../../core/letters/letters.service';
import { listTextVersions } from '../../core/letters/text-versions';
import { initialsOf } from '../signatures';
import type { Visibility } from '../../platform/web/visibility';

const DAY_MS = 86_400_000;
/** The page lists this many names; the CSV and the PDF carry every one. */
export const PAGE_LIST_LIMIT = 2000;

/** The day the letter was delivered (UTC), as typed by its owner. */
export function deliveredDay(letter: Pick<Letter, 'deliveredAt'>): string {
  return letter.deliveredAt!.toISOString().slice(0, 10);
}

/** "As delivered" is every signature counted by the end of the delivery day (UTC), as the delivery files count it. */
function cutoffOf(letter: Pick<Letter, 'deliveredAt'>): Date {
  return new Date(new Date(`${deliveredDay(letter)}T00:00:00Z`).getTime() + DAY_MS);
}

const COUNTED = `s.letter_id = $1 AND s.status = 'confirmed' AND s.held_reason IS NULL AND s.confirmed_at < $2`;

export interface DeliveredSignatory {
  name: string;
  country: string;
  organisation: string | null;
}

export interface DeliveredView {
  letter: Letter;
  deliveredOn: string;
  deliveredTo: string | null;
  text: { language: Language; version: number; title: string; bodyHtml: string; recipient: string };
  countAtDelivery: number;
  countNow: number;
  countries: Array<{ country: string; count: number }>;
  daily: Array<{ day: string; value: number }>;
  signatories: DeliveredSignatory[];
}

/**
 * What the link shows: the text as it stood on the delivery day (in the reader's language when
 * the letter has it), the count then and now, where and when people signed, and the list as
 * delivered. Names as the sign form promised: public ones in full, initials-only ones as
 * initials, and private ones in full, since "only the letter's recipients" is exactly who reads this.
 */
export async function deliveredView(db: DataSource, letterId: string, lang: Language): Promise<DeliveredView> {
  const letter = await findLetterById(db, letterId);
  const cutoff = cutoffOf(letter);
  const translation =
    letter.translations.find((t) => t.language === lang) ??
    letter.translations.find((t) => t.language === letter.defaultLanguage) ??
    letter.translations[0];
  const versions = await listTextVersions(db, letter, translation.language);
  const atDelivery =
    versions.find(
      (v) =>
        v.publishedAt.getTime() < cutoff.getTime() &&
        (v.replacedAt === null || v.replacedAt.getTime() >= cutoff.getTime()),
    ) ?? versions[0];
  const params = [letter.id, cutoff];
  const [[counted], countries, daily, rows, countNow] = await Promise.all([
    db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM signatures s WHERE ${COUNTED}`, params),
    db.query<Array<{ country: string; n: string }>>(
      `SELECT s.country, count(*) AS n FROM signatures s WHERE ${COUNTED} GROUP BY 1 ORDER BY 2 DESC, 1`,
      params,
    ),
    db.query<Array<{ day: string; n: string }>>(
      `SELECT to_char(s.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS n FROM signatures s WHERE ${COUNTED} GROUP BY 1 ORDER BY 1`,
      params,
    ),
    db.query<Array<{ full_name: string; visibility: Visibility; country: string; organisation: string | null }>>(
      `SELECT s.full_name, s.visibility, s.country, s.organisation FROM signatures s WHERE ${COUNTED} ORDER BY s.confirmed_at, s.id LIMIT ${PAGE_LIST_LIMIT}`,
      params,
    ),
    verifiedCount(db, letter.id),
  ]);
  return {
    letter,
    deliveredOn: deliveredDay(letter),
    deliveredTo: letter.deliveredTo,
    text: {
      language: translation.language,
      version: atDelivery?.version ?? translation.textVersion,
      title: atDelivery?.title ?? translation.title,
      bodyHtml: renderMarkdown(atDelivery?.body ?? translation.body),
      recipient: translation.recipient,
    },
    countAtDelivery: Number(counted?.n ?? 0),
    countNow,
    countries: countries.map((c) => ({ country: c.country, count: Number(c.n) })),
    daily: daily.map((d) => ({ day: d.day, value: Number(d.n) })),
    signatories: rows.map((r) => ({
      name: r.visibility === 'initials' ? initialsOf(r.full_name) : r.full_name,
      country: r.country,
      organisation: r.organisation,
    })),
  };
}
