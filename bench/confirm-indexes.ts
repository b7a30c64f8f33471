import { Client } from 'pg';
import fs from 'node:fs';
import os from 'node:os';
import {
  PUBLIC_NAME_FUNCTION,
  SEARCH_FUNCTIONS,
  SQL_BODIES,
} from '../migrations/1765200200000-SignatoryFunctionsPlannedOnce';

/**
 * What the public list's indexes on `signatures` cost a confirmation: `npx tsx bench/confirm-indexes.ts`.
 *
 * On a database migrated to the latest schema (BENCH_INDEX_DATABASE_URL), one copy of the
 * `signatures` table per set of the list's indexes, each with every other index of `signatures`
 * and the same BASE_ROWS confirmed signatures (names in Latin, Cyrillic and Kazakh; a third each
 * public, initials-only and private). Each round adds CONFIRMS pending signatures to every copy
 * and confirms them one statement each (the confirm link's UPDATE), taking the copies in turn
 * statement by statement from one connection, so that a busy machine weighs on every set alike.
 * Each copy has its own connection, whose backend's CPU time (from /proc: the database runs on
 * this machine) is that copy's alone. The list's functions are there twice: as migration
 * SignatoriesList made them (SQL functions planned again in each statement, `old_signatory_*`
 * here) and as they are now. Prints each set's database CPU per 1,000 confirms, what it adds to
 * none, and the median wall time of a statement.
 * The copies are dropped at the end.
 */
const URL_ = process.env.BENCH_INDEX_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/undersigned_indexes';
const BASE_ROWS = Number(process.env.BASE_ROWS ?? 50_000);
const CONFIRMS = Number(process.env.CONFIRMS ?? 1_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const PUBLIC_ROW = `status = 'confirmed' AND held_reason IS NULL AND NOT hidden AND visibility <> 'private'`;
const COLLATIONS = ['und', 'ru', 'uk', 'kk'] as const;

/** The list's indexes on a copy, by name; `fn` is the functions' prefix (`old_` for the old bodies). */
function listIndexes(table: string, fn: string, gin = ''): Record<string, string> {
  const out: Record<string, string> = {
    newest: `CREATE INDEX ON ${table} (letter_id, confirmed_at DESC, id DESC) WHERE ${PUBLIC_ROW}`,
    newest_kind: `CREATE INDEX ON ${table} (letter_id, signed_as, confirmed_at DESC, id DESC) WHERE ${PUBLIC_ROW}`,
    newest_country: `CREATE INDEX ON ${table} (letter_id, country, confirmed_at DESC, id DESC) WHERE ${PUBLIC_ROW}`,
    search: `CREATE INDEX ON ${table} USING gin (letter_id, ${fn}signatory_search_text(full_name, visibility, signed_as, organisation) gin_trgm_ops) ${gin} WHERE ${PUBLIC_ROW}`,
  };
  // The index of whole words (migration SignatorySearchWords), with the functions of now only.
  if (fn === 'public.')
    out.search_words = `CREATE INDEX ON ${table} USING gin (letter_id, public.signatory_search_words(full_name, visibility, signed_as, organisation)) ${gin || 'WITH (fastupdate = off)'} WHERE ${PUBLIC_ROW}`;
  for (const c of COLLATIONS)
    out[`name_${c}`] =
      `CREATE INDEX ON ${table} (letter_id, (${fn}signatory_public_name(full_name, visibility)) COLLATE "${c}-x-icu", id) WHERE ${PUBLIC_ROW}`;
  return out;
}

type Kind = 'old' | 'now';
interface Variant {
  label: string;
  indexes: (table: string) => string[];
}

const pick =
  (fn: string, names: string[] | 'all', gin = '') =>
  (table: string) => {
    const all = listIndexes(table, fn, gin);
    return names === 'all' ? Object.values(all) : names.map((n) => all[n]);
  };
const fnOf = (k: Kind) => (k === 'old' ? 'public.old_' : 'public.');
const EIGHT = ['newest', 'newest_kind', 'newest_country', 'search', ...COLLATIONS.map((c) => `name_${c}`)];
const ALL_VARIANTS: Variant[] = [
  { label: 'none of the list', indexes: () => [] },
  { label: 'all 8, functions as built', indexes: pick(fnOf('old'), 'all') },
  { label: 'all 8, functions now', indexes: pick(fnOf('now'), EIGHT) },
  { label: 'all 9 (with search_words), functions now', indexes: pick(fnOf('now'), [...EIGHT, 'search_words']) },
  { label: 'only search_words, functions now', indexes: pick(fnOf('now'), ['search_words']) },
  {
    label: 'only search_words, functions now, GIN fastupdate on',
    indexes: pick(fnOf('now'), ['search_words'], 'WITH (fastupdate = on)'),
  },
  { label: 'all 8, functions now, GIN fastupdate off', indexes: pick(fnOf('now'), EIGHT, 'WITH (fastupdate = off)') },
  ...['search', 'name_und'].map((n) => ({ label: `only ${n}, functions as built`, indexes: pick(fnOf('old'), [n]) })),
  ...['newest', 'newest_kind', 'newest_country', 'search', ...COLLATIONS.map((c) => `name_${c}`)].map((n) => ({
    label: `only ${n}, functions now`,
    indexes: pick(fnOf('now'), [n]),
  })),
];
/** `ONLY=<regular expression>`: the sets whose label it matches (and always "none", the base). */
const VARIANTS = ALL_VARIANTS.filter(
  (v, i) => i === 0 || !process.env.ONLY || new RegExp(process.env.ONLY).test(v.label),
);

const NAMES = [
  'Anna Lefèvre',
  'Jean-Pierre Durand',
  'Айгерім Қасымқызы',
  'Ержан Нұрланұлы',
  'Олена Іванівна Ґудзь',
  'Дмитрий Ёлкин',
  'Łukasz Żółć',
  'Mary O’Brien',
];

/** utime + stime of a process (the database runs on this machine), in ms; clock ticks of 10 ms. */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function connect(): Promise<Client> {
  const c = new Client({ connectionString: URL_ });
  await c.connect();
  return c;
}

const COLUMNS = `letter_id, full_name, email, email_normalised, country, city, visibility, language, status, created_at, confirmed_at`;
const rowsSql = (table: string, status: 'confirmed' | 'pending', from: number, to: number) =>
  `INSERT INTO ${table} (${COLUMNS})
   SELECT $1, ($2::text[])[1 + g % 8] || ' ' || g, 'b' || g || '@example.org', 'b' || g || '@example.org',
          (ARRAY['UA','FR','KZ','DE','PL'])[1 + g % 5], 'City', (ARRAY['public','initials','private'])[1 + g % 3],
          'en', '${status}', now(), ${status === 'confirmed' ? `now() - g * interval '1 second'` : 'NULL'}
     FROM generate_series(${from}, ${to}) g RETURNING id`;

async function main(): Promise<void> {
  const c = await connect();
  for (const body of SQL_BODIES) await c.query(body.replace(/public\.signatory_/g, 'public.old_signatory_'));
  for (const body of [PUBLIC_NAME_FUNCTION, ...SEARCH_FUNCTIONS]) await c.query(body);
  const [{ id: letterId }] = (
    await c.query<{ id: string }>(
      `INSERT INTO letters (slug, status, goal) VALUES ('index-cost-' || floor(random() * 1e9)::text, 'open', 1e7) RETURNING id`,
    )
  ).rows;
  // Every index of signatures but the list's, for each copy.
  const { rows: others } = await c.query<{ def: string }>(
    `SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'signatures' AND indexname NOT LIKE 'signatories\\_%'`,
  );
  const tables = VARIANTS.map((_, i) => `index_cost_${i}`);
  for (const [i, v] of VARIANTS.entries()) {
    const t = tables[i];
    process.stderr.write(`building ${t}: ${v.label}\n`);
    await c.query(`DROP TABLE IF EXISTS ${t}`);
    await c.query(`CREATE TABLE ${t} (LIKE signatures INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await c.query(rowsSql(t, 'confirmed', 1, BASE_ROWS), [letterId, NAMES]);
    for (const { def } of others)
      await c.query(def.replace(/^CREATE (UNIQUE )?INDEX \S+ ON public\.signatures/, `CREATE $1INDEX ON ${t}`));
    for (const s of v.indexes(t)) await c.query(s);
    await c.query(`VACUUM ANALYZE ${t}`);
  }

  const times = VARIANTS.map(() => [] as number[]);
  const cpu = VARIANTS.map(() => [] as number[]);
  let seq = BASE_ROWS;
  for (let round = 0; round < ROUNDS; round++) {
    const pending: string[][] = [];
    for (const t of tables)
      pending.push(
        (await c.query<{ id: string }>(rowsSql(t, 'pending', seq + 1, seq + CONFIRMS), [letterId, NAMES])).rows.map(
          (r) => r.id,
        ),
      );
    seq += CONFIRMS;
    // A fresh connection per copy each round (its caches start as a web process's would), whose
    // backend's CPU time is that copy's alone.
    const update = (t: string) =>
      `UPDATE ${t} SET status = 'confirmed', confirmed_at = now(), visibility = coalesce($2::varchar, visibility)
        WHERE id = $1 AND status = 'pending'`;
    const ws = await Promise.all(tables.map(() => connect()));
    const pids = await Promise.all(
      ws.map(async (w) => (await w.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid),
    );
    let cpu0: number[] = [];
    for (let k = 0; k < CONFIRMS; k++) {
      // The first statement of each connection loads its caches: not counted.
      if (k === 1) cpu0 = pids.map(cpuMs);
      const order = tables.map((_, i) => i).sort(() => Math.random() - 0.5);
      for (const i of order) {
        const t0 = performance.now();
        await ws[i].query(update(tables[i]), [pending[i][k], null]);
        if (k > 0) times[i].push(performance.now() - t0);
      }
    }
    pids.forEach((pid, i) => cpu[i].push(cpuMs(pid) - cpu0[i]));
    await Promise.all(ws.map((w) => w.end()));
    process.stderr.write(`round ${round + 1} of ${ROUNDS} done\n`);
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  process.stdout.write(
    `\nConfirming ${CONFIRMS.toLocaleString('en-US')} signatures × ${ROUNDS} rounds per set, one UPDATE each, sets interleaved, on copies of ${BASE_ROWS.toLocaleString('en-US')} rows; load average ${load}; ${os.cpus().length} × ${os.cpus()[0]?.model}\n\n` +
      `| Indexes | PostgreSQL CPU per 1,000 confirms (ms) | added to none (ms) | wall per confirm, median (ms) |\n|---|---|---|---|\n`,
  );
  const per1000 = (i: number) => (cpu[i].reduce((a, b) => a + b, 0) * 1000) / (ROUNDS * (CONFIRMS - 1));
  VARIANTS.forEach((v, i) => {
    process.stdout.write(
      `| ${v.label} | ${per1000(i).toFixed(0)} | ${(per1000(i) - per1000(0)).toFixed(0)} | ${median(times[i]).toFixed(2)} |\n`,
    );
  });
  for (const t of tables) await c.query(`DROP TABLE ${t}`);
  for (const f of [
    'old_signatory_search_text(text, text, text, text)',
    'old_signatory_search_key(text)',
    'old_signatory_public_name(text, text)',
  ])
    await c.query(`DROP FUNCTION public.${f}`);
  await c.end();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
