import type { MigrationInterface, QueryRunner } from 'typeorm';

const PUBLIC_ROW = `status = 'confirmed' AND held_reason IS NULL AND NOT hidden AND visibility <> 'private'`;

/**
 * The list's search by whole words, beside its trigrams (signatories.service.ts, searchSql).
 *
 * A search matches the folded query anywhere in the folded name and organisation
 * (`signatory_search_text`), which the trigram index answers. But on a large letter the trigrams
 * of a word most names share (a common surname, or "signer" in every name of the benchmark) have
 * posting lists of hundreds of thousands of rows, and even the rarest trigram of a name (three
 * digits, three common letters) has thousands: GIN then decodes every page of every one of those
 * lists for each search (about 800 pages, 8 ms of CPU a search on a million signatures).
 *
 * When the query has more than one word, every word after the first is a whole word of the
 * folded text, except the last, which starts one: "signer 123456" can only match a name with a
 * word that starts with "123456". An index of the text's words (a tsvector of its words as they
 * are, no dictionary) finds those rows in a handful of pages, skipping through the lists of
 * frequent words, and the page checks the whole query on them (0.2 ms).
 *
 * - `signatory_search_words`: the words of `signatory_search_text`, as a tsvector. SQL, so that
 *   PostgreSQL inlines it (it calls only immutable functions). A word is at most one field's 200
 *   characters, far below a tsvector word's 2,047 bytes.
 * - `signatory_search_words_query`: for a folded query, the words after its first, each whole,
 *   and the last as a prefix when it has 3 characters or more (a shorter prefix would gather most
 *   of the letter); null when no word after the first has 3 characters, which leaves the query
 *   to the trigrams. Its words come from `signatory_search_key`, letters and digits only, so
 *   quoting them is enough to make a tsquery of them. PARALLEL UNSAFE, though it would be safe:
 *   PostgreSQL then plans a search (every statement that names it) with no parallel workers. A
 *   search's rows are few, and the planner, which cannot know it (it guesses 2% of the letter for
 *   a word it has no statistics of), would otherwise start two workers for each one, which cost
 *   far more than reading the rows (30 ms against 0.5).
 * - The index has `fastupdate` off: with it on, each search would also read the index's pending
 *   list linearly (up to 4 MB, the pages a bulk of new signatures leaves there); a confirmation
 *   adds three or four words to it directly instead (bench/confirm-indexes.ts measures it).
 */
export class SignatorySearchWords1765300100000 implements MigrationInterface {
  name = 'SignatorySearchWords1765300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION public.signatory_search_words(full_name text, visibility text, signed_as text, organisation text)
      RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT pg_catalog.array_to_tsvector(pg_catalog.string_to_array(
          public.signatory_search_text(full_name, visibility, signed_as, organisation), ' ')) $$`);
    await q.query(`
      CREATE FUNCTION public.signatory_search_words_query(key text) RETURNS tsquery
      LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS $$
      DECLARE
        w text[] := pg_catalog.string_to_array(key, ' ');
        n int := coalesce(pg_catalog.array_length(w, 1), 0);
        terms text[] := '{}';
      BEGIN
        IF n < 2 OR NOT EXISTS (SELECT 1 FROM unnest(w[2:n]) AS x WHERE pg_catalog.char_length(x) >= 3) THEN
          RETURN NULL;
        END IF;
        FOR i IN 2 .. n - 1 LOOP
          terms := terms || pg_catalog.quote_literal(w[i]);
        END LOOP;
        IF pg_catalog.char_length(w[n]) >= 3 THEN
          terms := terms || (pg_catalog.quote_literal(w[n]) || ':*');
        END IF;
        RETURN pg_catalog.array_to_string(terms, ' & ')::tsquery;
      END $$`);
    await q.query(
      `CREATE INDEX signatories_search_words ON signatures
         USING gin (letter_id, signatory_search_words(full_name, visibility, signed_as, organisation))
         WITH (fastupdate = off)
         WHERE ${PUBLIC_ROW}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signatories_search_words`);
    await q.query(`DROP FUNCTION public.signatory_search_words_query(text)`);
    await q.query(`DROP FUNCTION public.signatory_search_words(text, text, text, text)`);
  }
}
