import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Abuse control and privacy over time.
 * - Email columns become nullable: once a delivered letter's retention period ends, signers'
 *   addresses are erased while their names, countries and dates stay on the record. The unique
 *   key (letter_id, email_normalised) ignores NULLs, which is right for erased rows.
 * - Per-letter allowed networks: a university or a newsroom behind one address skips the
 *   per-IP soft limits of that letter (never the flood limit).
 * - An index for the retention job that erases signatures never confirmed.
 */
export class AbusePrivacy1764201800000 implements MigrationInterface {
  name = 'AbusePrivacy1764201800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE signatures ALTER COLUMN email DROP NOT NULL, ALTER COLUMN email_normalised DROP NOT NULL`,
    );
    await q.query(`CREATE INDEX signatures_pending_created ON signatures (created_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE letter_allowed_networks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        cidr cidr NOT NULL,
        note varchar(200),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT letter_allowed_networks_unique UNIQUE (letter_id, cidr)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS letter_allowed_networks`);
    await q.query(`DROP INDEX IF EXISTS signatures_pending_created`);
    // Erased rows cannot get their addresses back; they are removed before NOT NULL returns.
    await q.query(`DELETE FROM signatures WHERE email IS NULL OR email_normalised IS NULL`);
    await q.query(`ALTER TABLE signatures ALTER COLUMN email SET NOT NULL, ALTER COLUMN email_normalised SET NOT NULL`);
  }
}
