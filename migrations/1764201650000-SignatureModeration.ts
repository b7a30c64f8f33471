import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What organisers and abuse control need on a signature: hidden from the public list,
 * invalidated with a reason, held for review (not counted until released), and whether it was
 * collected online or on paper.
 */
export class SignatureModeration1764201650000 implements MigrationInterface {
  name = 'SignatureModeration1764201650000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE signatures
        ADD COLUMN hidden boolean NOT NULL DEFAULT false,
        ADD COLUMN invalidated_reason varchar(300),
        ADD COLUMN invalidated_at timestamptz,
        ADD COLUMN held_reason varchar(40),
        ADD COLUMN source varchar(6) NOT NULL DEFAULT 'online' CHECK (source IN ('online', 'paper'))`);
    await q.query(`CREATE INDEX signatures_held ON signatures (letter_id) WHERE held_reason IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signatures_held`);
    await q.query(`
      ALTER TABLE signatures
        DROP COLUMN hidden, DROP COLUMN invalidated_reason, DROP COLUMN invalidated_at,
        DROP COLUMN held_reason, DROP COLUMN source`);
  }
}
