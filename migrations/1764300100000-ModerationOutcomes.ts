import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the integrity report and the grouped held queue need to know about each signature:
 * - `invalidated_category`: the kind of reason an organiser gave (counts per category are public;
 *   the free-text reason stays with the organisers);
 * - `released_at`: when a held signature was released after review (by an organiser or a rule);
 * - `challenge_solved`: the signature came with a solved proof-of-work challenge.
 */
export class ModerationOutcomes1764300100000 implements MigrationInterface {
  name = 'ModerationOutcomes1764300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signatures
      ADD COLUMN invalidated_category varchar(24),
      ADD COLUMN released_at timestamptz,
      ADD COLUMN challenge_solved boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE signatures ADD CONSTRAINT signatures_invalidated_category CHECK (
      invalidated_category IS NULL OR invalidated_category IN ('duplicate-person', 'fake-name', 'bulk-bot', 'requested-by-person', 'other'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signatures DROP CONSTRAINT signatures_invalidated_category`);
    await q.query(
      `ALTER TABLE signatures DROP COLUMN invalidated_category, DROP COLUMN released_at, DROP COLUMN challenge_solved`,
    );
  }
}
