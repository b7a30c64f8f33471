import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The grouped held queue and its automatic release rule.
 * - `held_release_rules`: a letter's owners may let held signatures that were confirmed and came
 *   with a solved challenge be released by themselves, `minutes` after they were confirmed.
 * - `held_objections`: an organiser chose to keep these signatures held ("leave" on a group);
 *   the release rule never touches them. Deleted with the signature.
 * - `signatures_auto_release`: the rule's worker finds its few candidates among millions of rows.
 */
export class HeldQueue1764370000000 implements MigrationInterface {
  name = 'HeldQueue1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE held_release_rules (
        letter_id uuid PRIMARY KEY REFERENCES letters(id) ON DELETE CASCADE,
        minutes integer NOT NULL CHECK (minutes BETWEEN 1 AND 10080),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE held_objections (
        signature_id uuid PRIMARY KEY REFERENCES signatures(id) ON DELETE CASCADE,
        letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
        organiser_id uuid REFERENCES organisers(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE INDEX signatures_auto_release ON signatures (letter_id, confirmed_at)
       WHERE held_reason IS NOT NULL AND status = 'confirmed' AND challenge_solved`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signatures_auto_release`);
    await q.query(`DROP TABLE IF EXISTS held_objections`);
    await q.query(`DROP TABLE IF EXISTS held_release_rules`);
  }
}
