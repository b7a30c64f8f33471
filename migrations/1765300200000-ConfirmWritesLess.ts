import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What signing and confirming write besides the signature (issue: PostgreSQL per person).
 *
 * - `signatures_public_recent` (letter_id, signed_as, confirmed_at DESC) is the leading part of
 *   `signatories_newest_kind` (the same columns, then id) under the same condition: the letter
 *   page's newest signatories read the longer one as well, and every confirmation wrote both.
 * - The delta tables are appended to and emptied by the folds, and nothing reads a delta by its
 *   id: the id's sequence and primary key cost every signature and confirmation a sequence step
 *   and an index entry per row (six rows a person).
 * - `signature_count_deltas` loses its foreign key to letters, as `integrity_deltas` never had
 *   one: its check locked the letter's row (FOR KEY SHARE, one shared row for every confirmation of
 *   a letter) at each confirmation. The count fold drops deltas of letters deleted since.
 */
export class ConfirmWritesLess1765300200000 implements MigrationInterface {
  name = 'ConfirmWritesLess1765300200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signatures_public_recent`);
    await q.query(`ALTER TABLE signature_count_deltas DROP CONSTRAINT IF EXISTS signature_count_deltas_letter_id_fkey`);
    await q.query(`ALTER TABLE signature_count_deltas DROP COLUMN id`);
    await q.query(`ALTER TABLE integrity_deltas DROP COLUMN id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE integrity_deltas ADD COLUMN id bigserial PRIMARY KEY`);
    await q.query(`ALTER TABLE signature_count_deltas ADD COLUMN id bigserial PRIMARY KEY`);
    await q.query(
      `DELETE FROM signature_count_deltas d WHERE NOT EXISTS (SELECT 1 FROM letters l WHERE l.id = d.letter_id)`,
    );
    await q.query(
      `ALTER TABLE signature_count_deltas ADD CONSTRAINT signature_count_deltas_letter_id_fkey
         FOREIGN KEY (letter_id) REFERENCES letters(id) ON DELETE CASCADE`,
    );
    await q.query(`
      CREATE INDEX signatures_public_recent ON signatures (letter_id, signed_as, confirmed_at DESC)
       WHERE status = 'confirmed' AND held_reason IS NULL AND NOT hidden AND visibility <> 'private'`);
  }
}
