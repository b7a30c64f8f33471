import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The count's history, for the public open data (`/letters/<slug>/history.json|csv`) and the chart
 * on the letter page.
 *
 * Each count delta now says when it happened (`at`, the transaction's time, so every writer of
 * deltas gets it without a change). The fold that moves deltas into the per-country totals also
 * adds them to `letter_count_hours`, one row per letter, hour (UTC) and country, and to
 * `letter_count_days`, the same per UTC day: a withdrawal or an invalidation subtracts in the hour
 * it happened, as it did from the count people saw then. Readers take days from the one and the
 * last week's hours from the other.
 * Readers add the unfolded deltas, so the history ends at the exact count, and no request reads a
 * signature row.
 *
 * The signatures already counted are put in the hour they were confirmed, once, here. Where the
 * folded totals differ from those signatures (changes before this migration that left no time,
 * such as a paper import dated by its sheets), one correcting row in the migration's hour makes
 * each country's history end at its folded total. The totals are locked while this runs, so no
 * fold slips between the two reads.
 */
export class CountHistory1764400200000 implements MigrationInterface {
  name = 'CountHistory1764400200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signature_count_deltas ADD COLUMN at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`
      CREATE TABLE letter_count_hours (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        hour timestamptz NOT NULL,
        country char(2) NOT NULL,
        delta integer NOT NULL,
        PRIMARY KEY (letter_id, hour, country)
      )`);
    // The same per day, so a letter signed for years reads a few rows a day, not a few an hour.
    await q.query(`
      CREATE TABLE letter_count_days (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        day date NOT NULL,
        country char(2) NOT NULL,
        delta integer NOT NULL,
        PRIMARY KEY (letter_id, day, country)
      )`);
    await q.query(`LOCK TABLE letter_country_counts IN SHARE MODE`);
    await q.query(`
      INSERT INTO letter_count_hours (letter_id, hour, country, delta)
      SELECT letter_id, date_trunc('hour', coalesce(confirmed_at, created_at), 'UTC'), country, count(*)
        FROM signatures
       WHERE status = 'confirmed' AND held_reason IS NULL
       GROUP BY 1, 2, 3`);
    await q.query(`
      INSERT INTO letter_count_hours AS h (letter_id, hour, country, delta)
      SELECT c.letter_id, date_trunc('hour', now(), 'UTC'), c.country, c.verified - coalesce(s.n, 0)
        FROM letter_country_counts c
        LEFT JOIN (SELECT letter_id, country, sum(delta) AS n FROM letter_count_hours GROUP BY 1, 2) s
          ON s.letter_id = c.letter_id AND s.country = c.country
       WHERE c.verified <> coalesce(s.n, 0)
      ON CONFLICT (letter_id, hour, country) DO UPDATE SET delta = h.delta + excluded.delta`);
    // Signatures counted in a country that the folded totals do not know (none, if the count is right).
    await q.query(`
      INSERT INTO letter_count_hours AS h (letter_id, hour, country, delta)
      SELECT s.letter_id, date_trunc('hour', now(), 'UTC'), s.country, -s.n
        FROM (SELECT letter_id, country, sum(delta) AS n FROM letter_count_hours GROUP BY 1, 2) s
       WHERE s.n <> 0 AND NOT EXISTS (SELECT 1 FROM letter_country_counts c WHERE c.letter_id = s.letter_id AND c.country = s.country)
      ON CONFLICT (letter_id, hour, country) DO UPDATE SET delta = h.delta + excluded.delta`);

    await q.query(`
      INSERT INTO letter_count_days (letter_id, day, country, delta)
      SELECT letter_id, (hour AT TIME ZONE 'UTC')::date, country, sum(delta) FROM letter_count_hours GROUP BY 1, 2, 3 HAVING sum(delta) <> 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE letter_count_days, letter_count_hours`);
    await q.query(`ALTER TABLE signature_count_deltas DROP COLUMN at`);
  }
}
