/**
 * The full list of a letter's public signatories, a page at a time.
 *
 * Public means what the letter page's "recent signatories" shows: confirmed, not held, not hidden
 * by the organisers, and the signer chose a public name or initials. Every page is a keyset page
 * (no OFFSET): the cursor is the sort key and id of the row a page starts after (or before), and
 * each order and filter has an index that starts at the cursor, so page 2,000 costs what page 1
 * does. The name an initials-only signer typed is never read for ordering or search: both work on
 * `signatory_public_name` (migrations/1765100000000-SignatoriesList.ts).
 */
import type { DataSource } from 'typeorm';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { isPubliclyVisible, publicLetterSql } from '../../core/letters/review';
import { pgPool, timedPool } from '../../platform/db/pool';
import type { ConfirmedRowFacts, SignedAs } from '../signatures';

export const SIGNATORIES_PAGE_SIZE = 50;
export const SIGNATORIES_ORDERS = ['newest', 'name'] as const;
export type SignatoriesOrder = (typeof SIGNATORIES_ORDERS)[number];

/** The rows anyone may see, over `signatures s` (the predicate of the list's partial indexes). */
export const PUBLIC_ROW = `s.status = 'confirmed' AND s.held_reason IS NULL AND NOT s.hidden AND s.visibility <> 'private'`;
const PUBLIC_NAME = `signatory_public_name(s.full_name, s.visibility)`;
const SEARCH_TEXT = `signatory_search_text(s.full_name, s.visibility, s.signed_as, s.organisation)`;

/**
 * A search, over `signatures s` (parameter `$1` the letter): the folded query anywhere in the
 * folded name (and organisation). Two indexes answer it (migration SignatorySearchWords):
 *
 * - When the query has a word after its first that narrows (`signatory_search_words_query` is not
 *   null), that word and every later one but the last is a whole word of a match, and the last
 *   starts one: the index of whole words finds the rows that have them, skipping through the
 *   posting lists of frequent words (every name in a letter may share one), and `strpos` confirms
 *   the whole query on those rows, in the same scan. The rows are found first (an array, computed
 *   once: only the matches) and the page is sorted from them, so that no plan walks the whole
 *   letter in its order testing each row (the planner cannot know how few rows a word has, and
 *   would).
 * - Otherwise (one word, or only short ones after the first) the trigram index, as before.
 *
 * The query's functions are immutable, so PostgreSQL folds them while planning and keeps one arm.
 */
function searchSql(q: string): string {
  const key = `signatory_search_key(${q})`;
  const words = `signatory_search_words_query(${key})`;
  const found = `SELECT w.id FROM signatures w
                  WHERE w.letter_id = $1 AND ${PUBLIC_ROW.replaceAll('s.', 'w.')}
                    AND signatory_search_words(w.full_name, w.visibility, w.signed_as, w.organisation) @@ ${words}
                    AND strpos(${SEARCH_TEXT.replaceAll('s.', 'w.')}, ${key}) > 0`;
  return `(${words} IS NOT NULL AND s.id = ANY (ARRAY(${found}))
           OR ${words} IS NULL AND ${SEARCH_TEXT} LIKE '%' || ${key} || '%')`;
}

/** The ICU collation a reader's language sorts names by (en and fr share the root one). */
export const NAME_COLLATIONS: Record<Language, string> = {
  en: 'und-x-icu',
  fr: 'und-x-icu',
  uk: 'uk-x-icu',
  ru: 'ru-x-icu',
  kk: 'kk-x-icu',
};

/** Where a page starts: after a row, before a row (the previous page), or at a row (find my name). */
export interface SignatoriesCursor {
  /** The sort key: the UTC time with microseconds (newest) or the public name (by name). */
  key: string;
  id: string;
  side: 'after' | 'before' | 'at';
}

export interface SignatoriesFilters {
  signedAs: SignedAs | null;
  country: string | null;
  source: 'online' | 'paper' | null;
  text: { language: Language; version: number } | null;
  /** The search, as typed (folded by the database). */
  q: string | null;
  /** Only rows with an approved "why I signed" comment (their own partial index). */
  comments: boolean;
}

export const NO_SIGNATORIES_FILTERS: SignatoriesFilters = {
  signedAs: null,
  country: null,
  source: null,
  text: null,
  q: null,
  comments: false,
};

export interface SignatoriesRequest {
  letterId: string;
  order: SignatoriesOrder;
  lang: Language;
  filters: SignatoriesFilters;
  cursor: SignatoriesCursor | null;
  limit?: number;
  /** With a search: the most time PostgreSQL may spend on it (SEARCH_TIME_LIMIT_MS). */
  searchTimeLimitMs?: number;
}

/** A search stopped at its time limit: too many names match it. */
export class SearchTooBroad extends Error {
  constructor() {
    super('the search was stopped at its time limit');
  }
}

/** PostgreSQL's "canceling statement due to statement timeout". */
const QUERY_CANCELED = '57014';

export interface ListedSignatory {
  name: string;
  /** Shown for organisations, and for individuals who chose their full name. */
  organisation: string | null;
  /** Only for signers who chose their full name. */
  city: string | null;
  /** Occupation or title: only for signers who chose their full name. */
  occupation: string | null;
  /** "Why I signed", once an organiser approved it. */
  comment: string | null;
  country: string;
  signedAs: SignedAs;
  source: 'online' | 'paper';
  confirmedAt: Date;
  cursorKey: string;
  id: string;
  /** The organisers' affiliation check held (features the mark; never what was checked). */
  affiliationChecked: boolean;
}

export interface SignatoriesPage {
  rows: ListedSignatory[];
  /** Cursors of the neighbouring pages, when there are rows there. */
  next: SignatoriesCursor | null;
  previous: SignatoriesCursor | null;
}

interface DbRow {
  id: string;
  name: string;
  organisation: string | null;
  city: string | null;
  occupation: string | null;
  comment: string | null;
  country: string;
  signed_as: SignedAs;
  source: 'online' | 'paper';
  confirmed_at: Date;
  cursor_key: string;
  affiliation_checked: boolean;
}

/** The SQL of one order: its sort key, and how a cursor value of it is written. */
function orderSql(order: SignatoriesOrder, lang: Language): { key: string; param: (p: string) => string } {
  if (order === 'newest') return { key: 's.confirmed_at', param: (p) => `(${p}::timestamp AT TIME ZONE 'UTC')` };
  const collation = `"${NAME_COLLATIONS[lang]}"`;
  return { key: `(${PUBLIC_NAME}) COLLATE ${collation}`, param: (p) => `(${p}::text COLLATE ${collation})` };
}

/** The WHERE clause over `signatures s` for a letter's public rows and the filters. */
export function signatoriesWhere(
  letterId: string,
  filters: SignatoriesFilters,
): { where: string[]; params: unknown[] } {
  const params: unknown[] = [letterId];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['s.letter_id = $1', PUBLIC_ROW];
  if (filters.signedAs) where.push(`s.signed_as = ${p(filters.signedAs)}`);
  if (filters.country) where.push(`s.country = ${p(filters.country)}`);
  if (filters.source) where.push(`s.source = ${p(filters.source)}`);
  if (filters.text)
    where.push(`s.text_language = ${p(filters.text.language)} AND s.text_version = ${p(filters.text.version)}`);
  if (filters.comments) where.push(`s.comment_status = 'approved'`);
  if (filters.q) where.push(searchSql(p(filters.q)));
  return { where, params };
}

/** The query of one page (one row more than the page, to know whether another follows). */
export function signatoriesPageQuery(req: SignatoriesRequest): { text: string; values: unknown[] } {
  const { where, params } = signatoriesWhere(req.letterId, req.filters);
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const { key, param } = orderSql(req.order, req.lang);
  // Newest first walks the order backwards; by name walks it forwards. A "before" cursor walks
  // the other way from its row, and the page is turned round afterwards.
  const forwards = req.order === 'name';
  const backwards = req.cursor?.side === 'before';
  const ascending = forwards !== backwards;
  if (req.cursor) {
    const op = req.cursor.side === 'at' ? (ascending ? '>=' : '<=') : ascending ? '>' : '<';
    where.push(`(${key}, s.id) ${op} (${param(p(req.cursor.key))}, ${p(req.cursor.id)}::uuid)`);
  }
  const dir = ascending ? 'ASC' : 'DESC';
  const cursorKey =
    req.order === 'newest'
      ? `to_char(s.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`
      : `${PUBLIC_NAME}`;
  const limit = (req.limit ?? SIGNATORIES_PAGE_SIZE) + 1;
  return {
    text: `SELECT s.id, ${PUBLIC_NAME} AS name,
                  CASE WHEN s.signed_as = 'organisation' OR s.visibility = 'public' THEN s.organisation END AS organisation,
                  CASE WHEN s.visibility = 'public' THEN s.city END AS city,
                  CASE WHEN s.visibility = 'public' THEN s.occupation END AS occupation,
                  CASE WHEN s.comment_status = 'approved' THEN s.comment END AS comment,
                  s.country, s.signed_as, s.source, s.confirmed_at, ${cursorKey} AS cursor_key,
                  (s.signed_as = 'organisation' OR s.visibility = 'public')
                  AND EXISTS (SELECT 1 FROM signature_affiliations a WHERE a.signature_id = s.id AND a.removed_at IS NULL) AS affiliation_checked
             FROM signatures s
            WHERE ${where.join(' AND ')}
         ORDER BY ${key} ${dir}, s.id ${dir}
            LIMIT ${limit}`,
    values: params,
  };
}

/**
 * A search's page, stopped by PostgreSQL after `ms` (SearchTooBroad): on connections of their own
 * that carry the limit, in one round trip; behind a transaction pooler, in a transaction that
 * sets it.
 */
async function timedSearch(db: DataSource, text: string, values: unknown[], ms: number): Promise<DbRow[]> {
  const pool = timedPool(db, Math.round(ms));
  try {
    if (pool) return (await pool.query<DbRow>(text, values)).rows;
    return await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL statement_timeout = ${Math.round(ms)}`);
      return tx.query<DbRow[]>(text, values);
    });
  } catch (err) {
    const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code;
    if (code === QUERY_CANCELED || (err as { code?: string }).code === QUERY_CANCELED) throw new SearchTooBroad();
    throw err;
  }
}

/** One page of the list: the rows, and the cursors of the pages before and after it. */
export async function signatoriesPage(db: DataSource, req: SignatoriesRequest): Promise<SignatoriesPage> {
  const limit = req.limit ?? SIGNATORIES_PAGE_SIZE;
  const { text, values } = signatoriesPageQuery({ ...req, limit });
  const found: DbRow[] =
    req.filters.q && req.searchTimeLimitMs
      ? await timedSearch(db, text, values, req.searchTimeLimitMs)
      : await db.query(text, values);
  const more = found.length > limit;
  const page = found.slice(0, limit);
  const backwards = req.cursor?.side === 'before';
  if (backwards) page.reverse();
  const rows = page.map((r) => ({
    id: r.id,
    name: r.name,
    organisation: r.organisation,
    city: r.city,
    occupation: r.occupation,
    comment: r.comment,
    country: r.country,
    signedAs: r.signed_as,
    source: r.source,
    confirmedAt: r.confirmed_at,
    cursorKey: r.cursor_key,
    affiliationChecked: r.affiliation_checked,
  }));
  const first = rows[0];
  const last = rows[rows.length - 1];
  // Going forwards there is a previous page whenever we came from a cursor; going backwards
  // there is a next page (the one we came from).
  const hasNext = backwards ? Boolean(req.cursor) : more;
  const hasPrevious = backwards ? more : Boolean(req.cursor);
  return {
    rows,
    next: hasNext && last ? { key: last.cursorKey, id: last.id, side: 'after' } : null,
    previous: hasPrevious && first ? { key: first.cursorKey, id: first.id, side: 'before' } : null,
  };
}

/** How many public signatories a letter lists (its unfiltered list's total). */
export async function publicSignatoryCount(db: DataSource, letterId: string): Promise<number> {
  const [row] = await db.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM signatures s WHERE s.letter_id = $1 AND ${PUBLIC_ROW}`,
    [letterId],
  );
  return row?.n ?? 0;
}

/** A cursor in a URL: `<side>.<base64url of key>.<id>`. */
export function encodeCursor(c: SignatoriesCursor): string {
  return `${c.side}.${Buffer.from(c.key, 'utf8').toString('base64url')}.${c.id}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

/** The cursor of a URL, or null when it is not one this order wrote. */
export function decodeCursor(raw: string, order: SignatoriesOrder): SignatoriesCursor | null {
  const m = /^(after|before|at)\.([A-Za-z0-9_-]{0,400})\.([0-9a-f-]{36})$/.exec(raw);
  if (!m || !UUID.test(m[3])) return null;
  const key = Buffer.from(m[2], 'base64url').toString('utf8');
  if (order === 'newest' ? !TIME_KEY.test(key) : key.length > 300) return null;
  return { side: m[1] as SignatoriesCursor['side'], key, id: m[3] };
}

/** PUBLIC_ROW over a row in hand (its SQL twin above). */
export function isPublicRow(r: Pick<ConfirmedRowFacts, 'status' | 'heldReason' | 'hidden' | 'visibility'>): boolean {
  return r.status === 'confirmed' && r.heldReason === null && !r.hidden && r.visibility !== 'private';
}

/** ownRowLinks' answer for one signature, from what the statement that confirmed it returned. */
export function ownRowLinkOf(id: string, facts: ConfirmedRowFacts): string | null {
  if (!isPublicRow(facts)) return null;
  if (
    !isPubliclyVisible({
      status: facts.letterStatus as Letter['status'],
      reviewState: facts.letterReviewState as Letter['reviewState'],
    })
  )
    return null;
  return `/letters/${facts.slug}/signatories?page=${encodeCursor({ key: facts.key, id, side: 'at' })}#mine`;
}

/**
 * The signer's own public rows with their letters' slugs and sort keys ($1: the signatures' ids).
 * Asked on every confirmed page: named, so each connection plans it once (planning it, over the
 * list's many partial indexes, cost more than running it). The rows are taken by primary key
 * first (a MATERIALIZED CTE) and only then held to the public conditions: written as one WHERE,
 * those conditions are the list indexes' own predicate, and with statistics older than a viral
 * hour the planner read a whole list index and kept the one row asked for.
 */
function ownRowSql(wanted: string): string {
  return `WITH mine AS MATERIALIZED (
       SELECT id, letter_id, status, held_reason, hidden, visibility, confirmed_at FROM signatures WHERE ${wanted}
     )
     SELECT s.id, l.slug, to_char(s.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS key
       FROM mine s JOIN letters l ON l.id = s.letter_id
      WHERE ${PUBLIC_ROW} AND ${publicLetterSql('l')}`;
}

/** $1: the signatures' ids (a signer's own page of all their signatures). */
export const OWN_ROW_LINKS_SQL = ownRowSql('id = ANY($1::uuid[])');
/**
 * $1: one signature's id (the confirmed page). A statement of its own: with an array the generic
 * plan is costed for several rows, more than the custom plan for one, so PostgreSQL kept planning
 * it afresh on every execution; for one id the generic plan costs the same and is kept.
 */
export const OWN_ROW_LINK_SQL = ownRowSql('id = $1::uuid');

/**
 * Find my name: for each of a signer's own signatures that the public list shows, the list page
 * that starts at its row (newest first), where the row is marked. Only the signer's own pages
 * (reached by their emailed link) call this; a page that starts at a row is no secret, since it
 * only shows public rows, as every page does.
 */
export async function ownRowLinks(db: DataSource, signatureIds: string[]): Promise<Map<string, string>> {
  if (!signatureIds.length) return new Map();
  const one = signatureIds.length === 1;
  const { rows } = await pgPool(db).query<{ id: string; slug: string; key: string }>({
    name: one ? 'own-row-link' : 'own-row-links',
    text: one ? OWN_ROW_LINK_SQL : OWN_ROW_LINKS_SQL,
    values: [one ? signatureIds[0] : signatureIds],
  });
  return new Map(
    rows.map((r) => [
      r.id,
      `/letters/${r.slug}/signatories?page=${encodeCursor({ key: r.key, id: r.id, side: 'at' })}#mine`,
    ]),
  );
}
