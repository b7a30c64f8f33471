import type { DataSource, EntityManager } from 'typeorm';
import { INVALIDATION_CATEGORIES, type InvalidationCategory } from '../signatures';

/**
 * The public integrity report and the verification funnel, read from counters that database
 * triggers keep (migration IntegrityCounters): every statement that changes signatures appends
 * aggregated deltas, and the worker folds them. A read adds the few unfolded deltas, so each
 * figure is exact at every moment and no request counts over the signatures.
 */

export interface IntegrityReport {
  /** In the public count: confirmed, not held, not invalidated. */
  counted: number;
  /** Confirmed by email or imported from paper, and still there (withdrawn ones are gone). */
  confirmed: number;
  /** Confirmed but held by abuse control, waiting for review. */
  held: number;
  /** Confirmed, then invalidated by the organisers. counted = confirmed − held − invalidated. */
  invalidated: number;
  /** Every invalidated signature (confirmed or not) by the category of the organisers' reason. */
  invalidatedByCategory: Record<InvalidationCategory, number>;
  invalidatedTotal: number;
  /** Submitted and never confirmed: still waiting, or erased unconfirmed after the retention period. */
  neverConfirmed: number;
  /** Of those, still within their time to confirm. */
  awaiting: number;
  /** Of those, the address's owner pressed "This wasn't me". */
  disowned: number;
  /** Released from the hold after review. */
  released: number;
  /** Withdrawn by their signers (with the link in every email, or by asking for erasure). */
  withdrawn: number;
  /** The confirmation email was refused for good by the signer's mail server. */
  bounced: number;
  /** Imported from paper sheets, and of those how many matched an online signature by name and country. */
  paper: number;
  paperMatched: number;
  /** Submitted on the site. */
  signedOnline: number;
}

const FOLD_FIGURES = ['signed', 'email-confirmed', 'ever-held', 'released', 'bounced', 'withdrawn'] as const;

/** The figures of one letter, by name, folded totals plus unfolded deltas. */
async function figures(db: DataSource | EntityManager, letterId: string): Promise<Map<string, number>> {
  const rows: Array<{ figure: string; n: string }> = await db.query(
    `SELECT figure, sum(n) AS n FROM (
       SELECT figure, n FROM letter_integrity_counts WHERE letter_id = $1
       UNION ALL
       SELECT figure, delta FROM integrity_deltas WHERE letter_id = $1
     ) c GROUP BY figure`,
    [letterId],
  );
  return new Map(rows.map((r) => [r.figure, Number(r.n)]));
}

export async function integrityReport(db: DataSource | EntityManager, letterId: string): Promise<IntegrityReport> {
  const f = await figures(db, letterId);
  const n = (name: string) => f.get(name) ?? 0;
  const invalidatedByCategory = Object.fromEntries(
    INVALIDATION_CATEGORIES.map((c) => [c, n(`invalidated:${c}`)]),
  ) as Record<InvalidationCategory, number>;
  const counted = n('counted');
  const held = n('held');
  const invalidated = n('invalidated-confirmed');
  return {
    counted,
    confirmed: counted + held + invalidated,
    held,
    invalidated,
    invalidatedByCategory,
    invalidatedTotal: Object.values(invalidatedByCategory).reduce((a, b) => a + b, 0),
    neverConfirmed: n('pending') + n('erased-unconfirmed'),
    awaiting: n('pending'),
    disowned: n('disowned'),
    released: n('released'),
    withdrawn: n('withdrawn'),
    bounced: n('bounced'),
    paper: n('paper'),
    paperMatched: n('paper-matched'),
    signedOnline: n('signed'),
  };
}

/**
 * Moves the deltas into the totals, and the funnel's into its per-day table, in one statement.
 * Safe with several workers: rows another fold already deleted are skipped by DELETE. Deltas of
 * a letter deleted since are dropped.
 */
export async function foldIntegrityDeltas(db: DataSource): Promise<number> {
  const rows: Array<{ folded: string }> = await db.query(
    `WITH d AS (
       DELETE FROM integrity_deltas RETURNING letter_id, day, figure, delta
     ), live AS (
       SELECT d.* FROM d WHERE EXISTS (SELECT 1 FROM letters l WHERE l.id = d.letter_id)
     ), totals AS (
       INSERT INTO letter_integrity_counts AS c (letter_id, figure, n)
       SELECT letter_id, figure, sum(delta)::int FROM live GROUP BY 1, 2
       ON CONFLICT (letter_id, figure) DO UPDATE SET n = c.n + excluded.n
     ), days AS (
       INSERT INTO letter_funnel_days AS c (letter_id, day, figure, n)
       SELECT letter_id, day, figure, sum(delta)::int FROM live WHERE figure = ANY($1) GROUP BY 1, 2, 3
       ON CONFLICT (letter_id, day, figure) DO UPDATE SET n = c.n + excluded.n
     )
     SELECT count(*) AS folded FROM d`,
    [FOLD_FIGURES],
  );
  return Number(rows[0]?.folded ?? 0);
}

export interface FunnelDay {
  day: string;
  signed: number;
  confirmed: number;
  /** confirmed / signed, or null on a day nobody signed. */
  rate: number | null;
  held: number;
  released: number;
  bounced: number;
  withdrawn: number;
  /** Median minutes from signing to confirming, for those who signed that day and confirmed. */
  medianMinutes: number | null;
}

/**
 * The verification funnel by the day people signed (UTC): of those who signed that day, how many
 * confirmed, were held, released, bounced, withdrew, and how long confirming took (median). The
 * counts come from the counters; the median from the day's confirmed signatures, organisers only.
 */
export async function verificationFunnel(db: DataSource, letterId: string, days = 30): Promise<FunnelDay[]> {
  const since = `(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $2 - 1))::date`;
  const [countRows, medianRows] = await Promise.all([
    db.query<Array<{ day: string; figure: string; n: string }>>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, figure, sum(n) AS n FROM (
         SELECT day, figure, n FROM letter_funnel_days WHERE letter_id = $1 AND day >= ${since}
         UNION ALL
         SELECT day, figure, delta FROM integrity_deltas WHERE letter_id = $1 AND day >= ${since} AND figure = ANY($3)
       ) c GROUP BY 1, 2`,
      [letterId, days, FOLD_FIGURES],
    ),
    db.query<Array<{ day: string; minutes: string | null }>>(
      `SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM confirmed_at - created_at) / 60) AS minutes
         FROM signatures
        WHERE letter_id = $1 AND source = 'online' AND confirmed_at IS NOT NULL
          AND created_at >= ${since}::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1`,
      [letterId, days],
    ),
  ]);
  const counts = new Map<string, number>();
  for (const r of countRows) counts.set(`${r.day}|${r.figure}`, Number(r.n));
  const medians = new Map(medianRows.map((r) => [r.day, r.minutes === null ? null : Number(r.minutes)]));
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    const n = (figure: string) => counts.get(`${day}|${figure}`) ?? 0;
    const signed = n('signed');
    const confirmed = n('email-confirmed');
    return {
      day,
      signed,
      confirmed,
      rate: signed > 0 ? confirmed / signed : null,
      held: n('ever-held'),
      released: n('released'),
      bounced: n('bounced'),
      withdrawn: n('withdrawn'),
      medianMinutes: medians.get(day) ?? null,
    };
  });
}
