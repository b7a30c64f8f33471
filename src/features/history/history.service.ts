import type { DataSource } from 'typeorm';
import { HOUR_OF_DELTA, SMALL_COUNTRY_THRESHOLD } from '../../core/letters/counts.service';

/**
 * The history of a letter's verified count, as open data: how many signatures were added (or,
 * withdrawn and invalidated, taken away) per hour over the last seven days and per day before
 * that, with the running total, for all countries and for each. Read from the count's history
 * tables that the count fold keeps (`letter_count_days`, `letter_count_hours`) plus the deltas not
 * folded yet: never a signature row, and a few rows a day however many people signed.
 *
 * It is public, so a country with fewer than SMALL_COUNTRY_THRESHOLD verified signatures is never
 * given a figure (as on the map and in the letter's JSON): now it reads null with `fewerThan`, and
 * in a period it is not listed at all while it is below the threshold (a listed "fewer than 5"
 * would tell which small country gained a signer that hour, and the period's exact change would
 * then give its figure). A country that reaches the threshold in a period shows its total there
 * but not its change, which would give the figure it had before.
 */

export const HOURLY_DAYS = 7;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type Resolution = 'hour' | 'day';

export interface CountryFigures {
  /** Net change of the country's count in the period; null when it was below the threshold before the period. */
  change: number | null;
  /** The country's count at the end of the period. */
  total: number;
}

export interface HistoryPeriod {
  /** Start of the period, inclusive, ISO 8601 UTC. */
  start: string;
  /** End of the period, exclusive, ISO 8601 UTC. The last period is the current hour, still running. */
  end: string;
  resolution: Resolution;
  /** Net change of the count in the period: signatures counted minus those withdrawn or invalidated. */
  change: number;
  /** The count at the end of the period. */
  total: number;
  /**
   * The countries whose count changed in the period and is at least `fewerThan` at its end, by
   * ISO 3166-1 alpha-2 code, in code order. The others' changes are in the period's change.
   */
  countries: Record<string, CountryFigures>;
}

export interface CountHistory {
  /** The letter's slug. */
  letter: string;
  /** Periods start at this instant an hour long; before it they are a day long (UTC midnight to midnight). */
  hourlyFrom: string;
  /** The count now (the last period's total). */
  total: number;
  /** The count now per country, countries with none left out, in code order; null for fewer than `fewerThan`. */
  countries: Record<string, number | null>;
  /** A country below this many verified signatures has no figure (SMALL_COUNTRY_THRESHOLD). */
  fewerThan: number;
  /** Every period from the first change of the count to the current hour, oldest first; none before the first signature. */
  periods: HistoryPeriod[];
}

/** ISO 8601 UTC to the second: 2026-11-30T04:00:00Z. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface ChangeRow {
  start: Date;
  country: string;
  change: number;
}

/**
 * The net changes per period and country: days before `hourlyFrom` from the days table, hours
 * since from the hours table (a range of its primary key), and the deltas not folded yet.
 */
async function changes(db: DataSource, letterId: string, hourlyFrom: Date): Promise<ChangeRow[]> {
  const rows: Array<{ start: Date; country: string; change: number }> = await db.query(
    `SELECT start, country, sum(delta)::int AS change
       FROM (
         SELECT day::timestamp AT TIME ZONE 'UTC' AS start, country, delta FROM letter_count_days
          WHERE letter_id = $1 AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
         UNION ALL
         SELECT hour, country, delta FROM letter_count_hours WHERE letter_id = $1 AND hour >= $2
         UNION ALL
         SELECT CASE WHEN at >= $2 THEN ${HOUR_OF_DELTA} ELSE date_trunc('day', at, 'UTC') END, country, delta
           FROM signature_count_deltas WHERE letter_id = $1
       ) c
      GROUP BY 1, 2 HAVING sum(delta) <> 0
      ORDER BY 1, 2`,
    [letterId, hourlyFrom],
  );
  return rows.map((r) => ({ start: new Date(r.start), country: r.country.trim(), change: Number(r.change) }));
}

export async function countHistory(
  db: DataSource,
  letter: { id: string; slug: string },
  now = new Date(),
): Promise<CountHistory> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const hourlyFrom = today - HOURLY_DAYS * DAY_MS;
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const rows = await changes(db, letter.id, new Date(hourlyFrom));

  const byStart = new Map<number, Map<string, number>>();
  for (const r of rows) {
    const t = r.start.getTime();
    let m = byStart.get(t);
    if (!m) byStart.set(t, (m = new Map<string, number>()));
    m.set(r.country, (m.get(r.country) ?? 0) + r.change);
  }

  // Every period from the first change on, so a reader can draw the series without filling gaps.
  const starts: Array<{ start: number; end: number; resolution: Resolution }> = [];
  if (rows.length) {
    const first = rows[0].start.getTime();
    const last = Math.max(currentHour, rows[rows.length - 1].start.getTime());
    for (let t = first; t < hourlyFrom; t += DAY_MS) starts.push({ start: t, end: t + DAY_MS, resolution: 'day' });
    for (let t = Math.max(first, hourlyFrom); t <= last; t += HOUR_MS)
      starts.push({ start: t, end: t + HOUR_MS, resolution: 'hour' });
  }

  let total = 0;
  const totals = new Map<string, number>();
  const periods: HistoryPeriod[] = starts.map(({ start, end, resolution }) => {
    const m = byStart.get(start) ?? new Map<string, number>();
    const countries: Record<string, CountryFigures> = {};
    let change = 0;
    for (const country of [...m.keys()].sort()) {
      const c = m.get(country)!;
      change += c;
      const before = totals.get(country) ?? 0;
      const t = before + c;
      totals.set(country, t);
      if (t >= SMALL_COUNTRY_THRESHOLD)
        countries[country] = { change: before >= SMALL_COUNTRY_THRESHOLD ? c : null, total: t };
    }
    total += change;
    return { start: isoUtc(start), end: isoUtc(end), resolution, change, total, countries };
  });

  const countries: Record<string, number | null> = {};
  for (const country of [...totals.keys()].sort()) {
    const n = totals.get(country)!;
    if (n > 0) countries[country] = n < SMALL_COUNTRY_THRESHOLD ? null : n;
  }
  return {
    letter: letter.slug,
    hourlyFrom: isoUtc(hourlyFrom),
    total,
    countries,
    fewerThan: SMALL_COUNTRY_THRESHOLD,
    periods,
  };
}

export const CSV_COLUMNS = ['start', 'end', 'resolution', 'country', 'change', 'total'] as const;

/** The CSV's change cell of a country that reached the threshold in the period (its change is not given). */
export const CSV_NOT_GIVEN = 'not given';

/**
 * The same history as CSV: a header row, then per period one row for all countries (country
 * empty) followed by one row per country the JSON lists for the period. Only codes, numbers, ISO
 * times and CSV_NOT_GIVEN: nothing a spreadsheet could take for a formula.
 */
export function historyCsv(history: CountHistory): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const p of history.periods) {
    lines.push([p.start, p.end, p.resolution, '', p.change, p.total].join(','));
    for (const [country, c] of Object.entries(p.countries))
      lines.push([p.start, p.end, p.resolution, country, c.change ?? CSV_NOT_GIVEN, c.total].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The count at the end of each UTC day, from the first signature's day to today: the letter page's chart. */
export function dailyTotals(history: CountHistory): Array<{ day: string; value: number; change: number }> {
  const days = new Map<string, { value: number; change: number }>();
  for (const p of history.periods) {
    const day = p.start.slice(0, 10);
    const d = days.get(day) ?? { value: 0, change: 0 };
    days.set(day, { value: p.total, change: d.change + p.change });
  }
  return [...days].map(([day, d]) => ({ day, ...d }));
}

/**
 * Drops the hours no reader asks for any more: a day older than the hourly week (the extra day
 * covers a web process whose clock passes midnight before the database's). The days table keeps
 * their sum, which is what readers take for those days.
 */
export async function pruneCountHours(db: DataSource): Promise<number> {
  const rows: Array<{ n: string }> = await db.query(
    `WITH d AS (DELETE FROM letter_count_hours WHERE hour < date_trunc('day', now(), 'UTC') - make_interval(days => $1) RETURNING 1)
     SELECT count(*) AS n FROM d`,
    [HOURLY_DAYS + 1],
  );
  return Number(rows[0]?.n ?? 0);
}
