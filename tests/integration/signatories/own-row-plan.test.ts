import type { QueryRunner } from 'typeorm';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import {
  OWN_ROW_LINK_SQL,
  OWN_ROW_LINKS_SQL,
  ownRowLinks,
} from '../../../src/features/signatories/signatories.service';

/**
 * "Find my name" is asked on every confirmed page, hundreds of times a second on a viral day, while
 * the signatures table grows tenfold before autovacuum refreshes the planner's statistics. Its
 * conditions are the list's partial indexes' own predicate, and with statistics that said "hardly
 * any rows" the planner read a whole list index (every public row of every letter) and kept the
 * one it was asked for. It must find the signatures by their primary key, in a custom and in a
 * generic plan: the statement is named (prepared once per connection, its planning, 0.6 ms over
 * the list's many partial indexes, not paid again), so a generic plan is what it runs.
 */
let q: QueryRunner;
const t = useTestApp({}, { worker: false });
beforeAll(async () => {
  q = t.db.createQueryRunner();
  await q.connect();
});
afterAll(async () => {
  await q.release();
});

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] };

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** How the plan reads the signatures table: the index of each scan of it (a bitmap scan's own indexes), or "Seq Scan". */
function signatureScans(explained: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>): string[] {
  return nodes(explained[0]['QUERY PLAN'][0].Plan)
    .filter((n) => n['Relation Name'] === 'signatures' && /Scan/.test(n['Node Type']))
    .flatMap((n) =>
      n['Node Type'] === 'Bitmap Heap Scan'
        ? nodes(n)
            .filter((b) => b['Node Type'] === 'Bitmap Index Scan')
            .map((b) => b['Index Name'] ?? '?')
        : [n['Index Name'] ?? n['Node Type']],
    );
}

it('finds the signer’s rows by primary key on a table never analyzed, custom and generic', async () => {
  const letter = await aLetter(t.db);
  await q.query(
    `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status, confirmed_at)
     SELECT $1, 'Signer ' || g, 'own-' || g || '@example.org', 'own-' || g || '@example.org', 'UA', 'public', 'en', 'confirmed', now()
       FROM generate_series(1, 2000) g`,
    [letter.id],
  );
  const [{ id }] = await q.query(`SELECT id FROM signatures WHERE email = 'own-777@example.org'`);
  // A new site's first viral hour: no statistics yet (as a fresh database has them), inside a
  // transaction that puts the catalogue back.
  await q.query('BEGIN');
  try {
    await q.query(`UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = 'signatures'::regclass`);
    await q.query(
      `UPDATE pg_class SET reltuples = 0, relpages = 1 WHERE oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'signatures'::regclass)`,
    );
    await q.query(`DELETE FROM pg_statistic WHERE starelid = 'signatures'::regclass`);

    const custom = await q.query(`EXPLAIN (FORMAT JSON) ${OWN_ROW_LINKS_SQL}`, [[id]]);
    expect(signatureScans(custom).length).toBeGreaterThan(0);
    expect(new Set(signatureScans(custom))).toEqual(new Set(['signatures_pkey']));

    await q.query(`PREPARE own_row_plan_test(uuid[]) AS ${OWN_ROW_LINKS_SQL}`);
    await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
    const generic = await q.query(`EXPLAIN (FORMAT JSON) EXECUTE own_row_plan_test('{${id as string}}')`);
    expect(new Set(signatureScans(generic))).toEqual(new Set(['signatures_pkey']));
    // The confirmed page's statement, for one signature.
    await q.query('RESET plan_cache_mode');
    expect(new Set(signatureScans(await q.query(`EXPLAIN (FORMAT JSON) ${OWN_ROW_LINK_SQL}`, [id])))).toEqual(
      new Set(['signatures_pkey']),
    );
    await q.query(`PREPARE own_row_plan_one(uuid) AS ${OWN_ROW_LINK_SQL}`);
    await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
    const one = await q.query(`EXPLAIN (FORMAT JSON) EXECUTE own_row_plan_one('${id as string}')`);
    expect(new Set(signatureScans(one))).toEqual(new Set(['signatures_pkey']));
  } finally {
    await q.query('ROLLBACK');
    await q.query('DEALLOCATE ALL');
  }
  // And it still answers: the row's page, marked.
  const links = await ownRowLinks(t.db, [id]);
  expect(links.get(id)).toMatch(
    new RegExp(`^/letters/${letter.slug}/signatories\\?page=at\\.[A-Za-z0-9_-]+\\.${id}#mine$`),
  );
  await q.query('DELETE FROM letters WHERE id = $1', [letter.id]);
});

it('the confirmed page’s statement is planned once per connection, not on every execution', async () => {
  const letter = await aLetter(t.db);
  const [{ id }] = await q.query(
    `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status, confirmed_at)
     VALUES ($1, 'Signer', 'own-once@example.org', 'own-once@example.org', 'UA', 'public', 'en', 'confirmed', now()) RETURNING id`,
    [letter.id],
  );
  await q.query(`PREPARE own_row_once(uuid) AS ${OWN_ROW_LINK_SQL}`);
  try {
    for (let i = 0; i < 10; i++) expect(await q.query(`EXECUTE own_row_once('${id as string}')`)).toHaveLength(1);
    const [plans] = await q.query(
      `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'own_row_once'`,
    );
    // PostgreSQL tries five custom plans, then keeps the generic one when it costs no more.
    expect(Number(plans.generic_plans)).toBeGreaterThanOrEqual(5);
  } finally {
    await q.query('DEALLOCATE own_row_once');
    await q.query('DELETE FROM letters WHERE id = $1', [letter.id]);
  }
});
