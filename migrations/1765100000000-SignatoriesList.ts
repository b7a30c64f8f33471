import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The full list of a letter's public signatories (`/letters/<slug>/signatories`).
 *
 * - `signatory_public_name` is what the public may see of a name, in SQL so that ordering and
 *   search work on it and never on the typed name of an initials-only signer (sorting by the full
 *   name would place "А. Қ." where "Айгерім Қасымқызы" belongs and so leak it).
 * - `signatory_search_key` folds case, accents (unaccent, with its dictionary named, which makes
 *   the function immutable) and the Kazakh letters a Russian keyboard lacks (ә→а, ғ→г, қ→к, ң→н,
 *   ө→о, ұ/ү→у, һ→х, і→и), and drops punctuation, so "lefevre" finds "Lefèvre", "Касымкызы" finds
 *   "Қасымқызы" and "a k" finds "A. K.". Queries go through the same function.
 * - Search is pg_trgm (a GIN index of trigrams, with btree_gin for the letter): it matches any part
 *   of a name, which full-text search does not (it matches words and prefixes), and needs no
 *   language dictionary for Kazakh, which PostgreSQL has none for.
 * - One keyset index per order and filter the page offers; by name, one per ICU collation the
 *   readers' languages use (en and fr share the root collation).
 * - `signatories_noindex`: the list pages ask search engines to stay away; on for every letter
 *   until its owners decide otherwise.
 */
export class SignatoriesList1765100000000 implements MigrationInterface {
  name = 'SignatoriesList1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(`
      CREATE FUNCTION signatory_public_name(full_name text, visibility text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE visibility
          WHEN 'public' THEN full_name
          WHEN 'initials' THEN (
            SELECT coalesce(string_agg(upper(left(w, 1)) || '.', ' ' ORDER BY i), '')
              FROM regexp_split_to_table(btrim(full_name), '[[:space:]-]+') WITH ORDINALITY AS parts(w, i)
             WHERE w <> '')
        END $$`);
    await q.query(`
      CREATE FUNCTION signatory_search_key(name text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT btrim(regexp_replace(regexp_replace(
                 translate(lower(public.unaccent('public.unaccent'::regdictionary, coalesce(name, ''))),
                           'әғқңөұүһіё', 'агкноуухие'),
                 '[^[:alnum:][:space:]]+', ' ', 'g'), '[[:space:]]+', ' ', 'g')) $$`);
    // What a reader searches: the public name, and the organisation wherever the page shows it.
    // Qualified names inside: PostgreSQL 17 builds an index with a search_path of pg_catalog only.
    await q.query(`
      CREATE FUNCTION signatory_search_text(full_name text, visibility text, signed_as text, organisation text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT public.signatory_search_key(concat_ws(' ', public.signatory_public_name(full_name, visibility),
          CASE WHEN signed_as = 'organisation' OR visibility = 'public' THEN organisation END)) $$`);
    const publicRow = `status = 'confirmed' AND held_reason IS NULL AND NOT hidden AND visibility <> 'private'`;
    await q.query(
      `CREATE INDEX signatories_newest ON signatures (letter_id, confirmed_at DESC, id DESC) WHERE ${publicRow}`,
    );
    await q.query(
      `CREATE INDEX signatories_newest_kind ON signatures (letter_id, signed_as, confirmed_at DESC, id DESC) WHERE ${publicRow}`,
    );
    await q.query(
      `CREATE INDEX signatories_newest_country ON signatures (letter_id, country, confirmed_at DESC, id DESC) WHERE ${publicRow}`,
    );
    for (const collation of ['und-x-icu', 'ru-x-icu', 'uk-x-icu', 'kk-x-icu']) {
      const name = `signatories_name_${collation.split('-')[0]}`;
      await q.query(
        `CREATE INDEX ${name} ON signatures (letter_id, (signatory_public_name(full_name, visibility)) COLLATE "${collation}", id)
          WHERE ${publicRow}`,
      );
    }
    await q.query(
      `CREATE INDEX signatories_search ON signatures
         USING gin (letter_id, signatory_search_text(full_name, visibility, signed_as, organisation) gin_trgm_ops)
         WHERE ${publicRow}`,
    );
    await q.query(`ALTER TABLE letters ADD COLUMN signatories_noindex boolean NOT NULL DEFAULT true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE letters DROP COLUMN signatories_noindex`);
    for (const name of [
      'signatories_search',
      'signatories_name_und',
      'signatories_name_ru',
      'signatories_name_uk',
      'signatories_name_kk',
      'signatories_newest_country',
      'signatories_newest_kind',
      'signatories_newest',
    ])
      await q.query(`DROP INDEX IF EXISTS ${name}`);
    await q.query(`DROP FUNCTION signatory_search_text(text, text, text, text)`);
    await q.query(`DROP FUNCTION signatory_search_key(text)`);
    await q.query(`DROP FUNCTION signatory_public_name(text, text)`);
  }
}
