import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What organisers send and record after a letter goes out: email updates to signers who asked
 * for them, the official response to a delivered letter, and paper-signature imports held for
 * preview. Updates and responses carry their own fan-out progress (a cursor over signature ids),
 * so a retried fan-out resumes where it stopped and never mails anyone twice.
 */
export class UpdatesResponsesPaper1764201750000 implements MigrationInterface {
  name = 'UpdatesResponsesPaper1764201750000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE letter_updates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        subject varchar(200) NOT NULL,
        body_markdown text NOT NULL,
        created_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        fanout_cursor uuid,
        recipients integer NOT NULL DEFAULT 0,
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX letter_updates_letter ON letter_updates (letter_id, created_at)`);
    await q.query(`
      CREATE TABLE letter_responses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        responded_on date NOT NULL,
        body text NOT NULL,
        link varchar(2000),
        created_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        fanout_cursor uuid,
        recipients integer NOT NULL DEFAULT 0,
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX letter_responses_letter ON letter_responses (letter_id, responded_on)`);
    // The fan-out walks opted-in, counted signers of one letter in id order.
    await q.query(`
      CREATE INDEX signatures_update_recipients ON signatures (letter_id, id)
        WHERE wants_updates AND status = 'confirmed' AND held_reason IS NULL`);
    await q.query(`
      CREATE TABLE paper_imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        created_by uuid REFERENCES organisers(id) ON DELETE SET NULL,
        status varchar(10) NOT NULL DEFAULT 'preview' CHECK (status IN ('preview', 'imported')),
        rows jsonb NOT NULL,
        valid_rows integer NOT NULL,
        invalid_rows integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        imported_at timestamptz
      )`);
    await q.query(`CREATE INDEX paper_imports_letter ON paper_imports (letter_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS paper_imports`);
    await q.query(`DROP INDEX IF EXISTS signatures_update_recipients`);
    await q.query(`DROP TABLE IF EXISTS letter_responses`);
    await q.query(`DROP TABLE IF EXISTS letter_updates`);
  }
}
