import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The held queue's release rule, bounded:
 * - `challenge_mode`: challenge mode was on for the letter when the signature (and the solution it
 *   came with) was checked. Only such a solution counts for the rule: a challenge fetched and
 *   solved while the form asked for none proves nothing.
 * - `released_by_rule`: the release rule, not an organiser, released it; the rule's caps per
 *   network and per mail domain count these over the last hour (a small partial index).
 * Both default to false, so nothing signed before is released by the rule on its solution alone.
 */
export class AutoReleaseBounds1765000800000 implements MigrationInterface {
  name = 'AutoReleaseBounds1765000800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signatures ADD COLUMN challenge_mode boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE signatures ADD COLUMN released_by_rule boolean NOT NULL DEFAULT false`);
    await q.query(
      `CREATE INDEX signatures_rule_releases ON signatures (letter_id, released_at) WHERE released_by_rule`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signatures_rule_releases`);
    await q.query(`ALTER TABLE signatures DROP COLUMN IF EXISTS released_by_rule`);
    await q.query(`ALTER TABLE signatures DROP COLUMN IF EXISTS challenge_mode`);
  }
}
