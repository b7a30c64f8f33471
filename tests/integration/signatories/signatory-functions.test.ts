import { SQL_BODIES } from '../../../migrations/1765200200000-SignatoryFunctionsPlannedOnce';
import { startTestApp, type TestApp } from '../../support/test-app';

/**
 * `signatory_public_name`, `signatory_search_key` and `signatory_search_text` are what the public
 * sees of a name and what the list's indexes hold. They were rewritten so that none is planned
 * again in each statement (a SQL function PostgreSQL cannot inline is, for each index expression
 * that calls it, on every confirmation); the indexes built with the old bodies were kept, so old
 * and new must give the same result for every input.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { worker: false });
});
afterAll(async () => {
  await t.close();
});

/** A deterministic pseudo-random sequence (a failing case can be run again). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const PIECES = [
  'Anna',
  'Lefèvre',
  'Jean',
  'Айгерім',
  'Қасымқызы',
  'Ұлан',
  'Ёлкин',
  'Ґудзь',
  'ß',
  'ǆemal',
  'İstanbul',
  'E\u0301mile',
  "O'Brien",
  '(Org)',
  'x',
  '1984',
  '.',
];
const SEPARATORS = [' ', '  ', '-', ' - ', '\t', '--', '\u00a0', ''];

function randomName(next: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  let s = next() < 0.2 ? pick(SEPARATORS) : '';
  const words = Math.floor(next() * 5);
  for (let i = 0; i < words; i++) s += pick(PIECES) + pick(SEPARATORS);
  return s;
}

test('the new bodies give what the old ones gave (what the indexes hold), for any name', async () => {
  const next = lcg(21);
  const names = [
    '',
    ' ',
    '-',
    'Anna -',
    '-Anna',
    '  Айгерім   Қасымқызы ',
    ...Array.from({ length: 2000 }, () => randomName(next)),
  ];
  const qr = t.db.createQueryRunner();
  await qr.connect();
  try {
    for (const body of SQL_BODIES) await qr.query(body.replace(/public\.signatory_/g, 'pg_temp.old_signatory_'));
    const differ: unknown[] = await qr.query(
      `SELECT n, v, k, o FROM unnest($1::text[]) WITH ORDINALITY AS x(n, i),
              unnest(ARRAY['public', 'initials', 'private']) v, unnest(ARRAY['individual', 'organisation']) k,
              LATERAL (SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE $1[1 + (i * 7) % cardinality($1)] END AS o) org
        WHERE pg_temp.old_signatory_public_name(n, v) IS DISTINCT FROM signatory_public_name(n, v)
           OR pg_temp.old_signatory_search_key(n) IS DISTINCT FROM signatory_search_key(n)
           OR pg_temp.old_signatory_search_text(n, v, k, o) IS DISTINCT FROM signatory_search_text(n, v, k, o)`,
      [names],
    );
    expect(differ).toEqual([]);
    const [{ initials }] = await qr.query(`SELECT signatory_public_name($1, 'initials') AS initials`, [
      'jean-pierre  lefèvre',
    ]);
    expect(initials).toBe('J. P. L.');
  } finally {
    await qr.release();
  }
});

test('none is a SQL function planned again in every statement: the name is inlined, the search ones are PL/pgSQL', async () => {
  const plan: Array<{ 'QUERY PLAN': string }> = await t.db.query(
    `EXPLAIN VERBOSE SELECT signatory_public_name(full_name, visibility) FROM signatures LIMIT 1`,
  );
  const text = plan.map((r) => r['QUERY PLAN']).join('\n');
  expect(text).toContain('CASE');
  expect(text).not.toContain('signatory_public_name(');
  const langs: Array<{ proname: string; lanname: string }> = await t.db.query(
    `SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
      WHERE p.proname IN ('signatory_search_key', 'signatory_search_text') ORDER BY 1`,
  );
  expect(langs).toEqual([
    { proname: 'signatory_search_key', lanname: 'plpgsql' },
    { proname: 'signatory_search_text', lanname: 'plpgsql' },
  ]);
});
