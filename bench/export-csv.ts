/**
 * npm run bench:export [-- --rows 1000000]
 *
 * How fast and in how much memory the export service streams a big letter, beside PostgreSQL's
 * own COPY … TO STDOUT WITH CSV of the same rows as the reference.
 *
 * Creates a fresh database on postgres://postgres@127.0.0.1:5432 (BENCH_PG_URL to change),
 * migrates it, loads three letters with one INSERT … SELECT generate_series each (N, N/10 and
 * N/100 signatures), then runs every case in a child process of its own writing to /dev/null, so
 * each peak RSS (VmHWM) belongs to one export alone. Drops the database at the end.
 */
import 'reflect-metadata';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { migrateAll } from '../src/db/connect';
import { createDataSource } from '../src/data-source';
import { exportSignatures } from '../src/exports/export.service';
import { Letter } from '../src/letters/letter.entity';
import { createLogger } from '../src/logger';
import { initI18n } from '../src/web/i18n';
import { createSignLimits } from '../src/web/rate-limits';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface ChildResult {
  rows: number;
  seconds: number;
  bytes: number;
  peakRssMb: number;
}

function peakRssMb(pid: number | 'self'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/* ------------------------------------------------------------------ child: one export */

async function child(url: string, slug: string, format: string): Promise<void> {
  await initI18n();
  const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const db = createDataSource(url, { poolSize: 2 });
  await db.initialize();
  const ctx = { db, config, log: createLogger('silent'), limits: createSignLimits(db, config) };
  const letter = await db.getRepository(Letter).findOneOrFail({ where: { slug }, relations: { translations: true } });
  const out = fs.createWriteStream('/dev/null');
  const started = process.hrtime.bigint();
  const result = await exportSignatures(ctx, { letter, format: format as 'csv', organiserId: null, language: 'en' }, out);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const report: ChildResult = { rows: result.rowCount, seconds, bytes: result.bytes, peakRssMb: peakRssMb('self') };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await ctx.limits.close();
  await db.destroy();
}

/* ------------------------------------------------------------------ parent */

function runChild(url: string, slug: string, format: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', url, slug, format], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`child ${format} exited with ${code}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

/** PostgreSQL writing the same columns of the same rows as CSV, timed as a child process (psql \copy). */
function copyReference(url: string, letterId: string): Promise<ChildResult> {
  const sql = `\\copy (SELECT s.full_name, s.country, s.city, s.organisation, s.signed_as, s.confirmed_at FROM signatures s WHERE s.letter_id = '${letterId}' AND s.status = 'confirmed' AND s.held_reason IS NULL ORDER BY s.confirmed_at, s.id) TO '/dev/null' WITH CSV HEADER`;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile('psql', [url, '-X', '-q', '-c', sql], (err: Error | null) => {
      if (err) return reject(err);
      resolve({ rows: 0, seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: 0, peakRssMb: 0 });
    });
  });
}

async function load(db: Client, slug: string, rows: number): Promise<string> {
  const { rows: [letter] } = await db.query<{ id: string }>(`INSERT INTO letters (slug, status, default_language) VALUES ($1, 'open', 'en') RETURNING id`, [slug]);
  await db.query(
    `INSERT INTO letter_translations (letter_id, language, title, summary, body, recipient)
     VALUES ($1, 'en', 'Benchmark letter', '', 'We ask for **justice**.', 'The Minister')`,
    [letter.id],
  );
  // Names in the scripts the platform serves; a comma or a quote in some fields, so CSV quoting is exercised.
  await db.query(
    `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, city, organisation, signed_as, visibility,
                             language, status, created_at, confirmed_at, source)
     SELECT $1,
            (ARRAY['Айгерім','Мұхтар','Олена','Jean','Marie-Claire'])[1 + i % 5] || ' ' ||
            (ARRAY['Қасымқызы','Әбілқасымұлы','Ковальчук','Dupont','O''Neil'])[1 + (i / 5) % 5] || ' ' || i,
            'signer' || i || '@example.org', 'signer' || i || '@example.org',
            (ARRAY['KZ','UA','FR','GB','DE','PL'])[1 + i % 6],
            (ARRAY['Алматы','Київ','Lyon','London, UK',NULL])[1 + i % 5],
            CASE WHEN i % 10 = 0 THEN 'Ligue des droits de l''Homme, section "Lyon"' END,
            CASE WHEN i % 10 = 0 THEN 'organisation' ELSE 'individual' END,
            (ARRAY['public','initials','private'])[1 + i % 3],
            'en', 'confirmed',
            timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second',
            timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second' + interval '5 minutes',
            'online'
       FROM generate_series(1, $2::int) AS i`,
    [letter.id, rows],
  );
  return letter.id;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
  const big = Number(values.rows);
  if (!Number.isSafeInteger(big) || big < 100) throw new Error('--rows must be a whole number ≥ 100');
  const mid = Math.round(big / 10);
  const small = Math.round(big / 100);

  const dbName = `undersigned_bench_${process.pid}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  try {
    const ds = createDataSource(url.toString());
    await ds.initialize();
    await migrateAll(ds, createLogger('silent'));
    await ds.destroy();

    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    let t0 = Date.now();
    const ids = {
      big: await load(db, 'bench-big', big),
      mid: await load(db, 'bench-mid', mid),
      small: await load(db, 'bench-small', small),
    };
    await db.query('VACUUM ANALYZE signatures');
    process.stdout.write(`loaded ${fmt(big + mid + small)} signatures in ${fmt((Date.now() - t0) / 1000, 1)} s (INSERT … SELECT generate_series)\n\n`);
    await db.end();

    const cases: Array<{ format: string; slug: string; rows: number; letterId: string }> = [
      { format: 'csv', slug: 'bench-big', rows: big, letterId: ids.big },
      { format: 'csv', slug: 'bench-mid', rows: mid, letterId: ids.mid },
      { format: 'json', slug: 'bench-mid', rows: mid, letterId: ids.mid },
      { format: 'xlsx', slug: 'bench-mid', rows: mid, letterId: ids.mid },
      { format: 'pdf', slug: 'bench-small', rows: small, letterId: ids.small },
    ];
    const header = `${'format'.padEnd(6)} ${'rows'.padStart(10)} ${'seconds'.padStart(8)} ${'rows/s'.padStart(10)} ${'MB out'.padStart(8)} ${'peak RSS'.padStart(9)}   reference: COPY … TO CSV`;
    process.stdout.write(`${header}\n${'-'.repeat(header.length)}\n`);
    for (const c of cases) {
      t0 = Date.now();
      const r = await runChild(url.toString(), c.slug, c.format);
      let line = `${c.format.padEnd(6)} ${fmt(r.rows).padStart(10)} ${fmt(r.seconds, 2).padStart(8)} ${fmt(r.rows / r.seconds).padStart(10)} ${fmt(r.bytes / 1e6, 1).padStart(8)} ${`${fmt(r.peakRssMb)} MB`.padStart(9)}`;
      if (c.format === 'csv') {
        const copy = await copyReference(url.toString(), c.letterId);
        line += `   ${fmt(copy.seconds, 2)} s, ${fmt(c.rows / copy.seconds)} rows/s → export takes ${fmt(r.seconds / copy.seconds, 2)}× COPY's time`;
      }
      process.stdout.write(`${line}\n`);
    }
    process.stdout.write('\nPeak RSS is the whole Node process (runtime, TypeORM, fonts), measured as VmHWM in /proc/<pid>/status.\n');
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv[2] === '--child') {
  const [url, slug, format] = process.argv.slice(3);
  child(url, slug, format).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
