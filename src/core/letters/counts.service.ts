import { DataSource, type EntityManager } from 'typeorm';
import { pgPool } from '../../platform/db/pool';

/**
 * Verified counts without a hot row. Each confirmation or removal appends a delta; the worker
 * folds the deltas into per-country totals every few seconds. Readers add the unfolded deltas, so
 * the count is exact at every moment while each read touches at most a few hundred small rows.
 */

/**
 * How a change of the count is written, defined once: rows of (letter, country, delta) appended to
 * the deltas. `rows` is a SELECT or VALUES giving those three columns, so a statement that decides
 * the change (confirming a signature) writes it in that same statement, with no round trip more.
 */
export function appendCountDeltas(rows: string): string {
  return `INSERT INTO signature_count_deltas (letter_id, country, delta) ${rows}`;
}

/**
 * One change of the count. `at` is when it happened for the count's history (default: now, the
 * transaction's time); only a record of something that happened earlier passes one.
 */
export async function recordCountChange(
  tx: EntityManager,
  letterId: string,
  country: string,
  delta: number,
  at?: Date,
): Promise<void> {
  if (at)
    await tx.query(`INSERT INTO signature_count_deltas (letter_id, country, delta, at) VALUES ($1, $2, $3, $4)`, [
      letterId,
      country,
      delta,
      at,
    ]);
  else await tx.query(appendCountDeltas('VALUES ($1, $2, $3)'), [letterId, country, delta]);
}

/** Many signatures counted at once (a paper import): one delta row per country, not one per signature. */
export async function recordCountChanges(
  tx: EntityManager,
  letterId: string,
  byCountry: Map<string, number>,
): Promise<void> {
  const entries = [...byCountry].filter(([, n]) => n !== 0);
  if (!entries.length) return;
  await tx.query(appendCountDeltas('SELECT $1, c, d FROM unnest($2::text[], $3::int[]) AS x(c, d)'), [
    letterId,
    entries.map(([c]) => c),
    entries.map(([, n]) => n),
  ]);
}

/** The hour (UTC) of a count delta's `at`, the same in the fold and in readers of the unfolded deltas. */
export const HOUR_OF_DELTA = `date_trunc('hour', at, 'UTC')`;

/** One letter's verified count as a query with one parameter, the letter id, giving one row `n`. */
export const VERIFIED_COUNT_SQL = `SELECT ${verifiedCountOf('$1')} AS n`;

/** The verified count of the letter whose id is the SQL expression `letterId`, as an SQL expression (for a statement that also does something else). */
export function verifiedCountOf(letterId: string): string {
  return `((SELECT coalesce(sum(verified), 0) FROM letter_country_counts WHERE letter_id = ${letterId})
          + (SELECT coalesce(sum(delta), 0) FROM signature_count_deltas WHERE letter_id = ${letterId}))`;
}

/**
 * Inside a transaction through its manager; otherwise straight on the pool as a prepared
 * statement: pages read the count on every request (the confirmation page hundreds of times a
 * second on a viral day), and TypeORM's query runner around one statement cost more CPU than
 * the statement's own round trip. (Unnamed behind a transaction pooler: pool.ts.)
 */
export async function verifiedCount(db: DataSource | EntityManager, letterId: string): Promise<number> {
  const rows: Array<{ n: string }> =
    db instanceof DataSource
      ? (
          await pgPool(db).query<{ n: string }>({
            name: 'verified-count',
            text: VERIFIED_COUNT_SQL,
            values: [letterId],
          })
        ).rows
      : await db.query(VERIFIED_COUNT_SQL, [letterId]);
  return Number(rows[0]?.n ?? 0);
}

export async function verifiedCounts(db: DataSource, letterIds: string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>(letterIds.map((id) => [id, 0]));
  if (!letterIds.length) return result;
  const rows: Array<{ letter_id: string; n: string }> = await db.query(
    `SELECT letter_id, sum(n) AS n FROM (
       SELECT letter_id, sum(verified) AS n FROM letter_country_counts WHERE letter_id = ANY($1) GROUP BY letter_id
       UNION ALL
       SELECT letter_id, sum(delta) AS n FROM signature_count_deltas WHERE letter_id = ANY($1) GROUP BY letter_id
     ) c GROUP BY letter_id`,
    [letterIds],
  );
  for (const r of rows) result.set(r.letter_id, Number(r.n));
  return result;
}

export async function countsByCountry(
  db: DataSource,
  letterId: string,
): Promise<Array<{ country: string; count: number }>> {
  const rows: Array<{ country: string; n: string }> = await db.query(
    `SELECT country, sum(n) AS n FROM (
       SELECT country, verified AS n FROM letter_country_counts WHERE letter_id = $1
       UNION ALL
       SELECT country, delta AS n FROM signature_count_deltas WHERE letter_id = $1
     ) c GROUP BY country HAVING sum(n) > 0 ORDER BY sum(n) DESC, country`,
    [letterId],
  );
  return rows.map((r) => ({ country: r.country, count: Number(r.n) }));
}

/**
 * Moves deltas into the totals, and into the count's history by hour and by day (UTC) and country
 * (`letter_count_hours`, `letter_count_days`, migration CountHistory), in one statement. Safe with several workers:
 * rows another fold already deleted are skipped by DELETE, so no delta is counted twice.
 */
export async function foldCountDeltas(db: DataSource): Promise<number> {
  const rows: Array<{ folded: string }> = await db.query(`
    WITH gone AS (
      DELETE FROM signature_count_deltas RETURNING letter_id, country, delta, at
    ), d AS (
      -- Deltas of a letter deleted since are dropped (the table has no foreign key: its check
      -- locked the letter's row at every confirmation).
      SELECT * FROM gone WHERE EXISTS (SELECT 1 FROM letters l WHERE l.id = gone.letter_id)
    ), s AS (
      SELECT letter_id, country, sum(delta)::int AS n, count(*) AS rows FROM d GROUP BY letter_id, country
    ), u AS (
      INSERT INTO letter_country_counts AS c (letter_id, country, verified)
      SELECT letter_id, country, n FROM s
      ON CONFLICT (letter_id, country) DO UPDATE SET verified = c.verified + excluded.verified
    ), h AS (
      INSERT INTO letter_count_hours AS c (letter_id, hour, country, delta)
      SELECT letter_id, ${HOUR_OF_DELTA}, country, sum(delta)::int FROM d GROUP BY 1, 2, 3 HAVING sum(delta) <> 0
      ON CONFLICT (letter_id, hour, country) DO UPDATE SET delta = c.delta + excluded.delta
    ), days AS (
      INSERT INTO letter_count_days AS c (letter_id, day, country, delta)
      SELECT letter_id, (${HOUR_OF_DELTA} AT TIME ZONE 'UTC')::date, country, sum(delta)::int FROM d GROUP BY 1, 2, 3 HAVING sum(delta) <> 0
      ON CONFLICT (letter_id, day, country) DO UPDATE SET delta = c.delta + excluded.delta
    )
    SELECT count(*) AS folded FROM gone`);
  return Number(rows[0]?.folded ?? 0);
}

/**
 * Why this transaction deletes signatures, for the integrity counters that a database trigger
 * keeps (migration IntegrityCounters): a withdrawal counts as withdrawn, "This wasn't me" on an
 * unconfirmed signature as disowned, and the retention job's erasure (the default) keeps an
 * unconfirmed signature in "submitted and never confirmed". Set before the DELETE.
 */
export type RemovalReason = 'withdrawn' | 'disowned' | 'retention';

export async function markRemoval(tx: EntityManager, reason: RemovalReason): Promise<void> {
  await tx.query(`SELECT set_config('undersigned.removal', $1, true)`, [reason]);
}

/**
 * Below this many verified signatures a country's figure is shown publicly as "fewer than 5": a
 * signer from a small country is not singled out by the map, the table, the JSON or the API. The
 * exports for officials, the recipients' page and delivery tokens keep exact figures.
 */
export const SMALL_COUNTRY_THRESHOLD = 5;

/** A country's public figure: the count, or null for "fewer than SMALL_COUNTRY_THRESHOLD". */
export interface PublicCountryCount {
  country: string;
  count: number | null;
}

/** The per-country counts as the public may see them (same order: largest first). */
export function publicCountryCounts(rows: Array<{ country: string; count: number }>): PublicCountryCount[] {
  return rows.map((r) => ({ country: r.country, count: r.count < SMALL_COUNTRY_THRESHOLD ? null : r.count }));
}
