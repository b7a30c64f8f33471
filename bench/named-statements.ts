/**
 * What running the web's hot statements unnamed costs (they were named prepared statements, which
 * a transaction pooler such as PgBouncer 1.18 cannot carry): each statement executed one after
 * another on one connection, named (parsed and planned once per connection) and unnamed (parsed
 * and planned on every execution), in alternating rounds so that a busy machine weighs on both
 * alike. Prints the median time per execution of each and the difference.
 *
 *   npx tsx bench/named-statements.ts      (BENCH_DATABASE_URL as for npm run bench)
 */
import os from 'node:os';
import { Client } from 'pg';
import { buildDataSource } from '../src/platform/db/data-source';
import { migrateAll } from '../src/platform/db/connect';
import { createLogger } from '../src/platform/logger';
import { VERIFIED_COUNT_SQL } from '../src/core/letters/counts.service';
import { consumeCountersSql } from '../src/platform/web/rate-limits';
import { entities } from '../src/app/data-source';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = 10;
const PER_ROUND = 400;

const CONFIRM_READ = `SELECT s.id AS signature_id, s.letter_id, s.full_name, s.visibility, s.language, s.status, t.expires_at <= now() AS expired
             FROM tokens t JOIN signatures s ON s.id = t.signature_id
            WHERE t.token_hash = $1 AND t.purpose = 'confirm'`;

async function main(): Promise<void> {
  const name = `undersigned_bench_statements_${process.pid}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const ds = buildDataSource(entities, url.toString(), { poolSize: 2 });
  await ds.initialize();
  const client = new Client({ connectionString: url.toString() });
  try {
    await migrateAll(ds, createLogger('silent'));
    const [letter] = await ds.query<Array<{ id: string }>>(
      `INSERT INTO letters (slug, status) VALUES ('bench', 'open') RETURNING id`,
    );
    await client.connect();
    const now = Date.now();
    const keys = Array.from({ length: 8 }, (_, i) => `bench-${i}:198.51.100.7`);
    const statements: Array<{ label: string; text: string; values: () => unknown[] }> = [
      { label: 'verified count (every letter page and JSON)', text: VERIFIED_COUNT_SQL, values: () => [letter.id] },
      { label: 'confirmation link read', text: CONFIRM_READ, values: () => ['0'.repeat(64)] },
      {
        label: 'rate-limit counters, 8 at once (every sign POST)',
        text: consumeCountersSql('$1', '$2', '$3'),
        values: () => [keys, keys.map(() => now + 3_600_000), now],
      },
    ];
    process.stdout.write(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, PostgreSQL on ${url.host}\n\n`);
    process.stdout.write('| statement | named µs | unnamed µs | cost of unnamed |\n| --- | --- | --- | --- |\n');
    for (const [n, s] of statements.entries()) {
      const times = { named: [] as number[], unnamed: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of round % 2 ? (['unnamed', 'named'] as const) : (['named', 'unnamed'] as const)) {
          const started = process.hrtime.bigint();
          for (let i = 0; i < PER_ROUND; i++)
            await client.query({
              ...(mode === 'named' ? { name: `bench-${n}` } : {}),
              text: s.text,
              values: s.values(),
            });
          times[mode].push(Number(process.hrtime.bigint() - started) / 1000 / PER_ROUND);
        }
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const named = median(times.named);
      const unnamed = median(times.unnamed);
      process.stdout.write(
        `| ${s.label} | ${named.toFixed(0)} | ${unnamed.toFixed(0)} | +${(unnamed - named).toFixed(0)} µs (${((unnamed / named - 1) * 100).toFixed(0)}%) |\n`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
    await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

void main();
