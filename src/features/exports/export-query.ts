/**
 * The one SELECT behind every export, and the rules it encodes:
 *
 * - Scope "verified" (the default) is exactly the public count: confirmed and not held for
 *   review. Scope "all" adds pending and held signatures; invalidated ones never leave.
 * - Dates filter the moment of signing as the file shows it (`signedAt`): the confirmation time,
 *   or for a pending signature the time it was made. Both ends are whole UTC days, inclusive.
 * - Purpose "delivery" is the list for the letter's recipients: every signer's full name,
 *   whatever they chose for the public page (the sign form promises private names go to the
 *   recipients), hidden signatures included (hiding only takes a name off the public page).
 * - Purpose "publication" is what the public page may show: full names of public signers,
 *   initials (and no city) for initials-only ones, and private and hidden signers left out
 *   entirely (not a "—" row: a row would still reveal one more person's country and date).
 *   Email addresses are never part of a publication file.
 */
import type { SignedAs } from '../signatures';

export type ExportPurpose = 'delivery' | 'publication';
export const EXPORT_PURPOSES: readonly ExportPurpose[] = ['delivery', 'publication'];
export type ExportScope = 'verified' | 'all';
export const EXPORT_SCOPES: readonly ExportScope[] = ['verified', 'all'];

export interface ExportFilters {
  scope: ExportScope;
  /** YYYY-MM-DD, inclusive, UTC. */
  from: string | null;
  /** YYYY-MM-DD, inclusive, UTC. */
  to: string | null;
  /** ISO 3166 alpha-2. */
  country: string | null;
  signedAs: SignedAs | null;
}

export const NO_FILTERS: ExportFilters = { scope: 'verified', from: null, to: null, country: null, signedAs: null };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface SelectionSql {
  /** WHERE clause over `signatures s`. */
  where: string;
  params: unknown[];
  /** The timestamp the file calls signedAt. */
  signedAt: string;
}

export function selection(letterId: string, filters: ExportFilters, purpose: ExportPurpose): SelectionSql {
  const params: unknown[] = [letterId];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  // For verified rows confirmed_at is never null; using it bare lets the (letter, status,
  // confirmed_at) index order and bound the scan.
  const signedAt = filters.scope === 'verified' ? 's.confirmed_at' : 'coalesce(s.confirmed_at, s.created_at)';
  const where = ['s.letter_id = $1'];
  where.push(
    filters.scope === 'verified'
      ? `s.status = 'confirmed' AND s.held_reason IS NULL`
      : `s.status IN ('pending', 'confirmed')`,
  );
  if (filters.from) {
    if (!DAY.test(filters.from)) throw new RangeError('from must be YYYY-MM-DD');
    where.push(`${signedAt} >= (${p(filters.from)}::date)::timestamp AT TIME ZONE 'UTC'`);
  }
  if (filters.to) {
    if (!DAY.test(filters.to)) throw new RangeError('to must be YYYY-MM-DD');
    where.push(`${signedAt} < (${p(filters.to)}::date + 1)::timestamp AT TIME ZONE 'UTC'`);
  }
  if (filters.country) where.push(`s.country = ${p(filters.country.toUpperCase())}`);
  if (filters.signedAs) where.push(`s.signed_as = ${p(filters.signedAs)}`);
  if (purpose === 'publication') where.push(`s.visibility <> 'private' AND NOT s.hidden`);
  return { where: where.join(' AND '), params, signedAt };
}

/** One row as the cursor returns it (rowMode: 'array'), in the SELECT's column order. */
export type DbRow = [
  string,
  string | null,
  string,
  string | null,
  string | null,
  SignedAs,
  Date,
  'online' | 'paper',
  'public' | 'initials' | 'private',
  string | null,
  number | null,
  string | null,
];

/** The cursor's query. The email column is only read from the table when it was asked for. */
export function rowsQuery(sel: SelectionSql, withEmail: boolean): string {
  return `SELECT s.full_name, ${withEmail ? 's.email' : 'NULL::text'}, s.country, s.city, s.organisation, s.signed_as,
                 ${sel.signedAt}, s.source, s.visibility, s.text_language, s.text_version, s.occupation
            FROM signatures s
           WHERE ${sel.where}
        ORDER BY ${sel.signedAt}, s.id`;
}

/** The texts the selected signatures are under, with how many each (same snapshot as the rows). */
export function textVersionsQuery(sel: SelectionSql): string {
  return `SELECT s.text_language AS language, s.text_version AS version, count(*) AS n
            FROM signatures s
           WHERE ${sel.where} AND s.text_language IS NOT NULL
        GROUP BY 1, 2`;
}

/** How many rows the file will have (run in the export's snapshot). */
export function countsQuery(sel: SelectionSql): string {
  return `SELECT count(*) AS total FROM signatures s WHERE ${sel.where}`;
}
