import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A signature belongs to the words it signed. Each translation carries the number and date of its
 * current text (`text_version`, `text_version_at`); when a text that people signed is changed,
 * the words they signed move to `letter_text_versions` (title and body, with the dates the text
 * was published and replaced), and the translation's number goes up. Each signature records the
 * language and number of the text shown on the page it signed from.
 *
 * Rows written before this migration signed version 1 of the translation they were shown: the
 * one in their language if the letter has it, else the letter's own.
 */
export class TextVersions1764310000000 implements MigrationInterface {
  name = 'TextVersions1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE letter_translations
      ADD COLUMN text_version integer NOT NULL DEFAULT 1,
      ADD COLUMN text_version_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(
      `UPDATE letter_translations t SET text_version_at = l.created_at FROM letters l WHERE l.id = t.letter_id`,
    );
    await q.query(`CREATE TABLE letter_text_versions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      letter_id uuid NOT NULL REFERENCES letters(id) ON DELETE CASCADE,
      language varchar(5) NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      title varchar(200) NOT NULL,
      body text NOT NULL,
      published_at timestamptz NOT NULL,
      replaced_at timestamptz NOT NULL DEFAULT now(),
      fanout_cursor uuid,
      recipients integer NOT NULL DEFAULT 0,
      notified_at timestamptz,
      CONSTRAINT letter_text_versions_letter_language_version UNIQUE (letter_id, language, version)
    )`);
    await q.query(`ALTER TABLE signatures ADD COLUMN text_language varchar(5), ADD COLUMN text_version integer`);
    await q.query(`UPDATE signatures s SET text_language = coalesce(
        (SELECT t.language FROM letter_translations t WHERE t.letter_id = s.letter_id AND t.language = s.language),
        (SELECT l.default_language FROM letters l WHERE l.id = s.letter_id)),
      text_version = 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signatures DROP COLUMN text_language, DROP COLUMN text_version`);
    await q.query(`DROP TABLE letter_text_versions`);
    await q.query(`ALTER TABLE letter_translations DROP COLUMN text_version, DROP COLUMN text_version_at`);
  }
}
