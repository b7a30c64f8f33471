import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Starting a letter from the web:
 * - `organisers.unconfirmed_since`: an organiser made by /start's sign-in request, until their
 *   first sign-in; an address that never signs in is forgotten a day later (the admin feature's
 *   chore), so typing someone's address at /start keeps nothing of theirs.
 * - `letters.author_name`, `author_kind`: who started the letter, as the public sees it (an
 *   organisation or a person's name, as the starter typed it); empty for letters made before.
 * - A trigram index over each version's title and summary, for "similar letters already here".
 */
export class StartALetter1765200510000 implements MigrationInterface {
  name = 'StartALetter1765200510000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organisers ADD COLUMN unconfirmed_since timestamptz`);
    await q.query(
      `CREATE INDEX organisers_unconfirmed ON organisers (unconfirmed_since) WHERE unconfirmed_since IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE letters
        ADD COLUMN author_name varchar(200) NOT NULL DEFAULT '',
        ADD COLUMN author_kind varchar(12) NOT NULL DEFAULT 'organisation' CHECK (author_kind IN ('organisation', 'person'))`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE FUNCTION letter_similarity_text(title text, summary text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT lower(title || ' ' || summary) $$`);
    await q.query(`
      CREATE INDEX letter_translations_similarity ON letter_translations
        USING gin (public.letter_similarity_text(title, summary) gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS letter_translations_similarity`);
    await q.query(`DROP FUNCTION IF EXISTS letter_similarity_text(text, text)`);
    await q.query(`ALTER TABLE letters DROP COLUMN IF EXISTS author_name, DROP COLUMN IF EXISTS author_kind`);
    await q.query(`DROP INDEX IF EXISTS organisers_unconfirmed`);
    await q.query(`ALTER TABLE organisers DROP COLUMN IF EXISTS unconfirmed_since`);
  }
}
