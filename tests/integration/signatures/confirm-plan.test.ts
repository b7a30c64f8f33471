import type { QueryRunner } from 'typeorm';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import {
  CONFIRM_SIGNATURE_COUNTED_SQL,
  CONFIRM_SIGNATURE_SQL,
} from '../../../src/features/signatures/confirm-signature';

/**
 * On a viral day the signatures and tokens tables grow tenfold within a minute, long before
 * autovacuum refreshes the planner's statistics. Confirming must then still find the one
 * signature by its primary key: with statistics that say "hardly anything is pending", the
 * planner used to pick the partial index of pending signatures and read every pending row for
 * each confirmation (600 ms with 100,000 pending instead of well under a millisecond).
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

/** How the plan reads the signatures table: the index names (or "Seq Scan") of each scan of it. */
function signatureScans(explained: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>): string[] {
  return nodes(explained[0]['QUERY PLAN'][0].Plan)
    .filter((n) => n['Relation Name'] === 'signatures' && /Scan/.test(n['Node Type']))
    .map((n) => n['Index Name'] ?? n['Node Type']);
}

describe('confirming after the tables grew tenfold since the last ANALYZE', () => {
  it('reads the signature by its primary key, whatever the statistics say, in a custom and in a generic plan', async () => {
    const letter = await aLetter(t.db);
    await q.query('ALTER TABLE signatures SET (autovacuum_enabled = false)');
    await q.query('ALTER TABLE tokens SET (autovacuum_enabled = false)');
    try {
      await q.query(
        `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status, confirmed_at)
         SELECT $1, 'Signer ' || g, 'plan-c-' || g || '@example.org', 'plan-c-' || g || '@example.org', 'UA', 'public', 'en', 'confirmed', now()
           FROM generate_series(1, 2000) g`,
        [letter.id],
      );
      await q.query('ANALYZE signatures');
      await q.query('ANALYZE tokens');
      // Tenfold, all pending, each with its confirmation token: the statistics know none of it.
      await q.query(
        `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status)
         SELECT $1, 'Signer ' || g, 'plan-p-' || g || '@example.org', 'plan-p-' || g || '@example.org', 'UA', 'public', 'en', 'pending'
           FROM generate_series(1, 20000) g`,
        [letter.id],
      );
      await q.query(
        `INSERT INTO tokens (token_hash, purpose, signature_id, expires_at)
         SELECT encode(sha256(id::text::bytea), 'hex'), 'confirm', id, now() + interval '1 day'
           FROM signatures WHERE letter_id = $1 AND status = 'pending'`,
        [letter.id],
      );
      const [{ token_hash: hash }] = await q.query(
        `SELECT token_hash FROM tokens t JOIN signatures s ON s.id = t.signature_id WHERE s.letter_id = $1 LIMIT 1`,
        [letter.id],
      );

      const custom = await q.query(`EXPLAIN (FORMAT JSON) ${CONFIRM_SIGNATURE_SQL}`, [hash, null]);
      expect(signatureScans(custom).length).toBeGreaterThan(0);
      expect(new Set(signatureScans(custom))).toEqual(new Set(['signatures_pkey']));
      // The same with the press's flood counter consumed in the statement.
      const counted = await q.query(`EXPLAIN (FORMAT JSON) ${CONFIRM_SIGNATURE_COUNTED_SQL}`, [
        hash,
        null,
        ['flood-ip:plan'],
        [Date.now() + 60_000],
        Date.now(),
        100,
      ]);
      expect(new Set(signatureScans(counted))).toEqual(new Set(['signatures_pkey']));

      await q.query(`PREPARE confirm_plan_test(char(64), varchar) AS ${CONFIRM_SIGNATURE_SQL}`);
      try {
        await q.query('SET plan_cache_mode = force_generic_plan');
        const generic = await q.query(`EXPLAIN (FORMAT JSON) EXECUTE confirm_plan_test('${hash as string}', NULL)`);
        expect(new Set(signatureScans(generic))).toEqual(new Set(['signatures_pkey']));
      } finally {
        await q.query('RESET plan_cache_mode');
        await q.query('DEALLOCATE confirm_plan_test');
      }
    } finally {
      await q.query('ALTER TABLE signatures RESET (autovacuum_enabled)');
      await q.query('ALTER TABLE tokens RESET (autovacuum_enabled)');
      await q.query('DELETE FROM letters WHERE id = $1', [letter.id]);
      await q.query('ANALYZE signatures');
      await q.query('ANALYZE tokens');
    }
  });
});
