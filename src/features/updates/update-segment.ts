import type { DataSource, EntityManager } from 'typeorm';
import type { Language } from '../../core/letters/letter.entity';
import type { LetterUpdate } from './letter-update.entity';

/**
 * The signers an update concerns, among those who may get it at all: every one (all parts null),
 * or only those of the chosen countries, of one text version (a language and its number), signed
 * online or on paper. The parts combine: French signers of version 2 on paper.
 */
export interface Segment {
  countries: string[] | null;
  textVersion: { language: Language; version: number } | null;
  source: 'online' | 'paper' | null;
}

export const EVERYONE: Segment = { countries: null, textVersion: null, source: null };

export function segmentOf(u: LetterUpdate): Segment {
  return {
    countries: u.segmentCountries,
    textVersion:
      u.segmentTextLanguage && u.segmentTextVersion !== null
        ? { language: u.segmentTextLanguage, version: u.segmentTextVersion }
        : null,
    source: u.segmentSource,
  };
}

/**
 * Who may get an update at all: confirmed and counted signers (a withdrawn signature is deleted,
 * an unsubscribe turns `wants_updates` off) with an address, who ticked "Email me updates".
 * `$1` is the letter; `$2`…`$5` the segment (segmentParams), each null for "any".
 */
export const RECIPIENTS = `s.letter_id = $1 AND s.wants_updates AND s.status = 'confirmed' AND s.held_reason IS NULL
  AND s.email IS NOT NULL
  AND ($2::text[] IS NULL OR s.country = ANY($2::text[]))
  AND ($3::text IS NULL OR (s.text_language = $3::text AND s.text_version = $4::integer))
  AND ($5::text IS NULL OR s.source = $5::text)`;

export function segmentParams(letterId: string, s: Segment): unknown[] {
  return [
    letterId,
    s.countries && s.countries.length ? s.countries : null,
    s.textVersion?.language ?? null,
    s.textVersion?.version ?? null,
    s.source,
  ];
}

/** How many signers of the segment signed in each language (the language of the pages they signed on). */
export async function countSegmentByLanguage(
  db: DataSource | EntityManager,
  letterId: string,
  segment: Segment,
): Promise<Map<Language, number>> {
  const rows = await db.query<Array<{ language: Language; n: string }>>(
    `SELECT s.language, count(*) AS n FROM signatures s WHERE ${RECIPIENTS} GROUP BY s.language`,
    segmentParams(letterId, segment),
  );
  return new Map(rows.map((r) => [r.language, Number(r.n)]));
}

/** The signature ids the segment selects (what the fan-out walks), in id order. */
export async function segmentRecipientIds(
  db: DataSource | EntityManager,
  letterId: string,
  segment: Segment,
): Promise<string[]> {
  const rows = await db.query<Array<{ id: string }>>(
    `SELECT s.id FROM signatures s WHERE ${RECIPIENTS} ORDER BY s.id`,
    segmentParams(letterId, segment),
  );
  return rows.map((r) => r.id);
}

/** The choices the editor offers: the countries of the opted-in signers, with how many each. */
export async function segmentCountries(
  db: DataSource | EntityManager,
  letterId: string,
): Promise<Array<{ country: string; n: number }>> {
  const rows = await db.query<Array<{ country: string; n: string }>>(
    `SELECT s.country, count(*) AS n FROM signatures s WHERE ${RECIPIENTS} GROUP BY s.country ORDER BY s.country`,
    segmentParams(letterId, EVERYONE),
  );
  return rows.map((r) => ({ country: r.country, n: Number(r.n) }));
}
