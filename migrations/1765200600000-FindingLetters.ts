import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finding letters: the home page's search over every language version's title and summary.
 *
 * - `letter_search_latin` spells Cyrillic in Latin letters (the common transliteration: ж→zh,
 *   х→kh, ц→ts, ч→ch, ш→sh, щ→shch, ю→yu, я→ya, є→ye, ї→yi, signs dropped), so that a reader
 *   with a Latin keyboard finds "Письмо" by "pismo".
 * - `letter_search_text` is what a query is matched against: the title and summary folded as
 *   signatories' names are (`signatory_search_key`: case, accents, the Kazakh letters a Russian
 *   keyboard lacks), followed by their Latin spelling when they hold Cyrillic. A query goes
 *   through `signatory_search_key` only, so "lefevre" finds "Lefèvre" and "письмо" or "pismo"
 *   find "Письмо".
 * - `letter_translations.search_text` holds it, kept by PostgreSQL (a generated column), and
 *   pg_trgm indexes it (a GIN index): it matches any part of a word, in any language, with no
 *   dictionary (PostgreSQL has none for Kazakh). Qualified names inside the functions: PostgreSQL
 *   17 builds an index with a search_path of pg_catalog only.
 */
export class FindingLetters1765200600000 implements MigrationInterface {
  name = 'FindingLetters1765200600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION letter_search_latin(folded text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT translate(
                 replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
                   folded, 'щ', 'shch'), 'ж', 'zh'), 'х', 'kh'), 'ц', 'ts'), 'ч', 'ch'), 'ш', 'sh'),
                   'ю', 'yu'), 'я', 'ya'), 'є', 'ye'), 'ї', 'yi'),
                 'абвгдезийклмнопрстуфыэґъь', 'abvgdeziiklmnoprstufyeg') $$`);
    await q.query(`
      CREATE FUNCTION letter_search_text(title text, summary text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN k ~ '[а-яєїґ]' THEN k || ' ' || public.letter_search_latin(k) ELSE k END
          FROM (SELECT public.signatory_search_key(concat_ws(' ', title, summary)) AS k) AS folded $$`);
    // Stored, not only indexed: a search that matches thousands of versions rechecks each row
    // against the column, where an expression index would fold every title again (measured: 3.7 s
    // for a word in 10,000 versions, against milliseconds).
    await q.query(
      `ALTER TABLE letter_translations
         ADD COLUMN search_text text GENERATED ALWAYS AS (letter_search_text(title, summary)) STORED`,
    );
    await q.query(
      `CREATE INDEX letter_translations_search ON letter_translations USING gin (search_text gin_trgm_ops)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS letter_translations_search`);
    await q.query(`ALTER TABLE letter_translations DROP COLUMN search_text`);
    await q.query(`DROP FUNCTION letter_search_text(text, text)`);
    await q.query(`DROP FUNCTION letter_search_latin(text)`);
  }
}
