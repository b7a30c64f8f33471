import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What retention needs to erase what the README says it erases:
 * - `letters.delivery_recorded_at`: when the delivery was recorded on the platform. Retention
 *   counts from it, never from `delivered_at`, the date an organiser typed (a date typed two years
 *   back would otherwise erase the addresses the day it is saved). Existing deliveries take the
 *   letter's `updated_at`: recording a delivery updates the row, so that is the latest moment it
 *   can have been recorded, and retention never starts before the real one.
 * - `signatures.keep_name_on_record`: the organiser chose, when invalidating, to keep the name in
 *   the moderation record; otherwise it is erased with the address after the retention period.
 * - an index for the hourly search of invalidated signatures (few rows, a small index).
 */
export class RetentionRecords1764205000000 implements MigrationInterface {
  name = 'RetentionRecords1764205000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE letters ADD COLUMN delivery_recorded_at timestamptz`);
    await q.query(`UPDATE letters SET delivery_recorded_at = updated_at WHERE delivered_at IS NOT NULL`);
    await q.query(`ALTER TABLE signatures ADD COLUMN keep_name_on_record boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX signatures_invalidated_at ON signatures (invalidated_at) WHERE status = 'invalidated'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signatures_invalidated_at`);
    await q.query(`ALTER TABLE signatures DROP COLUMN IF EXISTS keep_name_on_record`);
    await q.query(`ALTER TABLE letters DROP COLUMN IF EXISTS delivery_recorded_at`);
  }
}
