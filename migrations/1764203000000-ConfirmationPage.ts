import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Confirming by a button instead of by opening the link (mail scanners open links).
 *
 * - `signing_suppressions`: "This wasn't me" on a confirmation page deletes the signature and
 *   keeps the address from being emailed about that letter again for 30 days. The address is kept
 *   only as a keyed hash that includes the letter, so a row says nothing of who it was and cannot
 *   be matched across letters. Expired rows are deleted by the hourly retention job.
 * - One throttle per kind of signature email: `last_emailed_at` stays the confirmation email's,
 *   and "already signed" and "manage" get their own, so a confirmed signer who signs again right
 *   after confirming still gets the note.
 */
export class ConfirmationPage1764203000000 implements MigrationInterface {
  name = 'ConfirmationPage1764203000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE signing_suppressions (
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        email_hash varchar(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (letter_id, email_hash)
      )`);
    await q.query(`CREATE INDEX signing_suppressions_expires ON signing_suppressions (expires_at)`);
    await q.query(
      `ALTER TABLE signatures ADD COLUMN already_signed_emailed_at timestamptz, ADD COLUMN manage_emailed_at timestamptz`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE signatures DROP COLUMN IF EXISTS already_signed_emailed_at, DROP COLUMN IF EXISTS manage_emailed_at`,
    );
    await q.query(`DROP TABLE IF EXISTS signing_suppressions`);
  }
}
