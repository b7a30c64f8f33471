import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The list's name and search functions, planned once per connection instead of once per statement.
 *
 * The list's name indexes (one per ICU collation) and its search index evaluate these functions
 * for every signature a confirmation makes public. A SQL function PostgreSQL cannot inline is
 * parsed and planned again in every statement that calls it, at every place it is called: five
 * index expressions here, one of which calls two more functions. That was most of what the list's
 * indexes added to a confirmation (bench/confirm-indexes.ts measures it). Now:
 *
 * - `signatory_public_name` has no sub-select, so PostgreSQL inlines it (index expressions are
 *   inlined when a connection loads the index; a query's when it is planned). The same initials
 *   from one regular expression: each word (a run of characters other than spaces and hyphens)
 *   gives its first character upper-cased and a dot, joined by single spaces; no word gives ''.
 * - `signatory_search_key` and `signatory_search_text` call `unaccent` and `concat_ws`, which are
 *   only stable, so no IMMUTABLE SQL function calling them can be inlined: they are PL/pgSQL, whose
 *   expressions are planned once per connection. Their expressions are unchanged.
 *
 * Every function gives the same result as before for every input (the old and new bodies are
 * compared in tests/integration/signatories/signatory-functions.test.ts), so the indexes built
 * with the old bodies hold the right keys and are not rebuilt (a rebuild would block signing
 * while it ran on a large table). Processes started before the migration keep the old bodies'
 * index expressions until they reconnect, as a deploy does.
 */
export const PUBLIC_NAME_FUNCTION = `
  CREATE OR REPLACE FUNCTION public.signatory_public_name(full_name text, visibility text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE visibility
      WHEN 'public' THEN full_name
      WHEN 'initials' THEN upper(btrim(regexp_replace(regexp_replace(full_name, '[[:space:]-]+$', ''),
                                                      '[[:space:]-]*([^[:space:]-])[^[:space:]-]*', '\\1. ', 'g')))
    END $$`;

const SEARCH_KEY_EXPRESSION = `btrim(regexp_replace(regexp_replace(
           translate(lower(public.unaccent('public.unaccent'::regdictionary, coalesce(name, ''))),
                     'әғқңөұүһіё', 'агкноуухие'),
           '[^[:alnum:][:space:]]+', ' ', 'g'), '[[:space:]]+', ' ', 'g'))`;

const SEARCH_TEXT_EXPRESSION = `public.signatory_search_key(concat_ws(' ', public.signatory_public_name(full_name, visibility),
          CASE WHEN signed_as = 'organisation' OR visibility = 'public' THEN organisation END))`;

export const SEARCH_FUNCTIONS = [
  `CREATE OR REPLACE FUNCTION public.signatory_search_key(name text) RETURNS text
   LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
   BEGIN
     RETURN ${SEARCH_KEY_EXPRESSION};
   END $$`,
  `CREATE OR REPLACE FUNCTION public.signatory_search_text(full_name text, visibility text, signed_as text, organisation text)
   RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
   BEGIN
     RETURN ${SEARCH_TEXT_EXPRESSION};
   END $$`,
];

/** The bodies of migration SignatoriesList, for down() and for the test that compares both. */
export const SQL_BODIES = [
  `CREATE OR REPLACE FUNCTION public.signatory_public_name(full_name text, visibility text) RETURNS text
   LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
     SELECT CASE visibility
       WHEN 'public' THEN full_name
       WHEN 'initials' THEN (
         SELECT coalesce(string_agg(upper(left(w, 1)) || '.', ' ' ORDER BY i), '')
           FROM regexp_split_to_table(btrim(full_name), '[[:space:]-]+') WITH ORDINALITY AS parts(w, i)
          WHERE w <> '')
     END $$`,
  `CREATE OR REPLACE FUNCTION public.signatory_search_key(name text) RETURNS text
   LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ${SEARCH_KEY_EXPRESSION} $$`,
  `CREATE OR REPLACE FUNCTION public.signatory_search_text(full_name text, visibility text, signed_as text, organisation text)
   RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ${SEARCH_TEXT_EXPRESSION} $$`,
];

export class SignatoryFunctionsPlannedOnce1765200200000 implements MigrationInterface {
  name = 'SignatoryFunctionsPlannedOnce1765200200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(PUBLIC_NAME_FUNCTION);
    for (const f of SEARCH_FUNCTIONS) await q.query(f);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const f of SQL_BODIES) await q.query(f);
  }
}
