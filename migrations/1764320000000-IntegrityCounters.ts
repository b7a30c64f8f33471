import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The integrity report's counters and the verification funnel, kept by the database itself.
 *
 * Whatever statement changes signatures (signing, confirming, moderation, a bulk release in
 * set-based SQL, retention, erasure), statement-level AFTER triggers read its transition tables
 * and append one aggregated delta per (letter, signing day, figure) to `integrity_deltas`. The
 * worker folds them into `letter_integrity_counts` (totals for the public report) and
 * `letter_funnel_days` (per signing day, for the dashboard), as the verified count's deltas are
 * folded. No code path can forget to count: the counting is not in the code paths.
 *
 * A row's figures are a function of its state (`signature_figures`). Some are "sticky": they
 * record that something happened (signed, confirmed by email, held, released, bounced, imported
 * from paper) and stay when the row is deleted. A deletion says why in the transaction-local
 * setting `undersigned.removal` ('withdrawn', 'disowned' for "This wasn't me", or unset for the
 * retention job), so a withdrawal counts as withdrawn and an erased unconfirmed signature stays
 * "submitted and never confirmed".
 *
 * Also: the status `bounced` (a permanent SMTP failure on the confirmation email) with its time,
 * and `matched_online` on paper signatures the organiser imported although a signature with the
 * same name and country was already online.
 */
export class IntegrityCounters1764320000000 implements MigrationInterface {
  name = 'IntegrityCounters1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signatures DROP CONSTRAINT signatures_status_check`);
    await q.query(
      `ALTER TABLE signatures ADD CONSTRAINT signatures_status_check CHECK (status IN ('pending', 'confirmed', 'invalidated', 'bounced'))`,
    );
    await q.query(
      `ALTER TABLE signatures ADD COLUMN bounced_at timestamptz, ADD COLUMN matched_online boolean NOT NULL DEFAULT false`,
    );

    // No foreign key: a letter's deletion cascades to its signatures, whose trigger still writes
    // deltas for it; the fold drops deltas of letters that no longer exist.
    await q.query(`
      CREATE TABLE integrity_deltas (
        id bigserial PRIMARY KEY,
        letter_id uuid NOT NULL,
        day date NOT NULL,
        figure varchar(40) NOT NULL,
        delta integer NOT NULL
      )`);
    await q.query(`CREATE INDEX integrity_deltas_letter ON integrity_deltas (letter_id)`);
    await q.query(`
      CREATE TABLE letter_integrity_counts (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        figure varchar(40) NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (letter_id, figure)
      )`);
    await q.query(`
      CREATE TABLE letter_funnel_days (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        day date NOT NULL,
        figure varchar(40) NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (letter_id, day, figure)
      )`);

    // The figures one signature row stands in. Current state: pending, counted, held,
    // invalidated:<category>, invalidated-confirmed. Sticky (kept after deletion): signed (online),
    // email-confirmed, ever-held, released, bounced, paper, paper-matched.
    await q.query(`
      CREATE FUNCTION signature_figures(s signatures) RETURNS TABLE (figure text, sticky boolean)
      LANGUAGE sql IMMUTABLE AS $$
        SELECT f.figure, f.sticky FROM (VALUES
          (CASE WHEN s.status = 'pending' THEN 'pending'
                WHEN s.status = 'confirmed' AND s.held_reason IS NULL THEN 'counted'
                WHEN s.status = 'confirmed' THEN 'held'
                WHEN s.status = 'invalidated' THEN 'invalidated:' || coalesce(s.invalidated_category, 'other') END, false),
          (CASE WHEN s.status = 'invalidated' AND s.confirmed_at IS NOT NULL THEN 'invalidated-confirmed' END, false),
          (CASE WHEN s.source = 'online' THEN 'signed' END, true),
          (CASE WHEN s.source = 'online' AND s.confirmed_at IS NOT NULL THEN 'email-confirmed' END, true),
          (CASE WHEN s.held_reason IS NOT NULL OR s.released_at IS NOT NULL THEN 'ever-held' END, true),
          (CASE WHEN s.released_at IS NOT NULL THEN 'released' END, true),
          (CASE WHEN s.status = 'bounced' THEN 'bounced' END, true),
          (CASE WHEN s.source = 'paper' THEN 'paper' END, true),
          (CASE WHEN s.source = 'paper' AND s.matched_online THEN 'paper-matched' END, true)
        ) AS f(figure, sticky) WHERE f.figure IS NOT NULL
      $$`);
    // What a deleted row leaves behind, by the reason its transaction gave.
    await q.query(`
      CREATE FUNCTION signature_removal_figures(s signatures, reason text) RETURNS SETOF text
      LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN reason = 'withdrawn' OR (reason = 'disowned' AND s.status <> 'pending') THEN 'withdrawn'
                    WHEN s.status = 'pending' THEN 'erased-unconfirmed'
                    ELSE 'erased' END
        UNION ALL
        SELECT 'disowned' WHERE reason = 'disowned' AND s.status = 'pending'
      $$`);

    const day = `(r.created_at AT TIME ZONE 'UTC')::date`;
    await q.query(`
      CREATE FUNCTION signatures_integrity_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO integrity_deltas (letter_id, day, figure, delta)
        SELECT r.letter_id, ${day}, f.figure, count(*) FROM new_rows r, LATERAL signature_figures(r) f GROUP BY 1, 2, 3;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION signatures_integrity_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO integrity_deltas (letter_id, day, figure, delta)
        SELECT letter_id, day, figure, sum(d) FROM (
          SELECT r.letter_id, ${day} AS day, f.figure, 1 AS d FROM new_rows r, LATERAL signature_figures(r) f
          UNION ALL
          SELECT r.letter_id, ${day}, f.figure, -1 FROM old_rows r, LATERAL signature_figures(r) f
        ) x GROUP BY 1, 2, 3 HAVING sum(d) <> 0;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION signatures_integrity_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE reason text := current_setting('undersigned.removal', true);
      BEGIN
        INSERT INTO integrity_deltas (letter_id, day, figure, delta)
        SELECT letter_id, day, figure, sum(d) FROM (
          SELECT r.letter_id, ${day} AS day, f.figure, -1 AS d FROM old_rows r, LATERAL signature_figures(r) f WHERE NOT f.sticky
          UNION ALL
          SELECT r.letter_id, ${day}, g, 1 FROM old_rows r, LATERAL signature_removal_figures(r, reason) g
        ) x GROUP BY 1, 2, 3 HAVING sum(d) <> 0;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER signatures_integrity_insert AFTER INSERT ON signatures
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signatures_integrity_insert()`);
    await q.query(`CREATE TRIGGER signatures_integrity_update AFTER UPDATE ON signatures
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signatures_integrity_update()`);
    await q.query(`CREATE TRIGGER signatures_integrity_delete AFTER DELETE ON signatures
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION signatures_integrity_delete()`);

    // The signatures already there. Withdrawals before this migration left no trace to count.
    await q.query(`
      INSERT INTO letter_integrity_counts (letter_id, figure, n)
      SELECT r.letter_id, f.figure, count(*) FROM signatures r, LATERAL signature_figures(r) f GROUP BY 1, 2`);
    await q.query(`
      INSERT INTO letter_funnel_days (letter_id, day, figure, n)
      SELECT r.letter_id, ${day}, f.figure, count(*) FROM signatures r, LATERAL signature_figures(r) f
       WHERE f.sticky AND f.figure IN ('signed', 'email-confirmed', 'ever-held', 'released', 'bounced') GROUP BY 1, 2, 3`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER signatures_integrity_insert ON signatures`);
    await q.query(`DROP TRIGGER signatures_integrity_update ON signatures`);
    await q.query(`DROP TRIGGER signatures_integrity_delete ON signatures`);
    await q.query(
      `DROP FUNCTION signatures_integrity_insert(), signatures_integrity_update(), signatures_integrity_delete()`,
    );
    await q.query(`DROP FUNCTION signature_removal_figures(signatures, text), signature_figures(signatures)`);
    await q.query(`DROP TABLE letter_funnel_days, letter_integrity_counts, integrity_deltas`);
    await q.query(`ALTER TABLE signatures DROP COLUMN bounced_at, DROP COLUMN matched_online`);
    await q.query(`ALTER TABLE signatures DROP CONSTRAINT signatures_status_check`);
    await q.query(
      `ALTER TABLE signatures ADD CONSTRAINT signatures_status_check CHECK (status IN ('pending', 'confirmed', 'invalidated'))`,
    );
  }
}
