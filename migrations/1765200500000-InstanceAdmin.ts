import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The instance in its admins' hands (anyone can start a letter):
 * - `organisers.is_admin`: the instance's admins (the first made at the command line);
 * - `instance_settings` (one row): who may start a letter ('invited' as before, 'approve': anyone
 *   with a confirmed address, published after an admin approves, 'open': published at once), the
 *   co-sponsors a new letter needs before review (0: none), and the instance's public rules;
 * - `rejection_reasons`: the published reasons an admin rejects with (seeded; the catalogue names
 *   the seeded ones, an admin's own carry their label; retired ones stay for the counts);
 * - `letters.review_state` and the review's columns: a letter not reviewed is never public;
 * - `letter_review_decisions`: every decision (kept when the letter goes: the public counts);
 * - `instance_audit`: the admins' own append-only trail.
 */
export class InstanceAdmin1765200500000 implements MigrationInterface {
  name = 'InstanceAdmin1765200500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organisers ADD COLUMN is_admin boolean NOT NULL DEFAULT false`);

    await q.query(`
      ALTER TABLE letters
        ADD COLUMN review_state varchar(20) NOT NULL DEFAULT 'none',
        ADD COLUMN review_submitted_at timestamptz,
        ADD COLUMN review_reply text,
        ADD COLUMN second_review_requested_at timestamptz`);
    // The admins' queue: the letters waiting, oldest first.
    await q.query(
      `CREATE INDEX letters_review_queue ON letters (review_submitted_at, id) WHERE review_state = 'submitted'`,
    );

    await q.query(`
      CREATE TABLE instance_settings (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        start_policy varchar(10) NOT NULL DEFAULT 'invited' CHECK (start_policy IN ('invited', 'approve', 'open')),
        cosponsors_required integer NOT NULL DEFAULT 0 CHECK (cosponsors_required BETWEEN 0 AND 100),
        rules_text text NOT NULL DEFAULT '',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO instance_settings (id) VALUES (true)`);

    await q.query(`
      CREATE TABLE rejection_reasons (
        key varchar(40) PRIMARY KEY CHECK (key ~ '^[a-z0-9-]{1,40}$'),
        label varchar(200) NOT NULL DEFAULT '',
        position integer NOT NULL DEFAULT 0,
        active boolean NOT NULL DEFAULT true
      )`);
    await q.query(`
      INSERT INTO rejection_reasons (key, position) VALUES
        ('duplicate', 1), ('no-addressee', 2), ('hateful', 3), ('unlawful', 4)`);

    await q.query(`
      CREATE TABLE letter_review_decisions (
        id bigserial PRIMARY KEY,
        letter_id uuid REFERENCES letters(id) ON DELETE SET NULL,
        admin_id uuid REFERENCES organisers(id) ON DELETE SET NULL,
        admin_name varchar(200) NOT NULL DEFAULT '',
        decision varchar(10) NOT NULL CHECK (decision IN ('approve', 'changes', 'reject')),
        reason_key varchar(40) REFERENCES rejection_reasons(key) ON UPDATE CASCADE,
        note text NOT NULL DEFAULT '',
        second_review boolean NOT NULL DEFAULT false,
        decided_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((decision = 'reject') = (reason_key IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX letter_review_decisions_letter ON letter_review_decisions (letter_id, decided_at)`);
    await q.query(`CREATE INDEX letter_review_decisions_month ON letter_review_decisions (decided_at)`);

    await q.query(`
      CREATE TABLE instance_audit (
        id bigserial PRIMARY KEY,
        actor_id uuid,
        actor_name varchar(200),
        action varchar(60) NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX instance_audit_created ON instance_audit (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS instance_audit`);
    await q.query(`DROP TABLE IF EXISTS letter_review_decisions`);
    await q.query(`DROP TABLE IF EXISTS rejection_reasons`);
    await q.query(`DROP TABLE IF EXISTS instance_settings`);
    await q.query(`DROP INDEX IF EXISTS letters_review_queue`);
    await q.query(`
      ALTER TABLE letters DROP COLUMN IF EXISTS review_state, DROP COLUMN IF EXISTS review_submitted_at,
        DROP COLUMN IF EXISTS review_reply, DROP COLUMN IF EXISTS second_review_requested_at`);
    await q.query(`ALTER TABLE organisers DROP COLUMN IF EXISTS is_admin`);
  }
}
