/**
 * npm run bench:export [-- --rows 1000000] [--formats csv,json,xlsx,pdf]
 *
 * How fast and in how much memory the export command streams a big letter, each file beside
 * PostgreSQL's own `COPY (SELECT …) TO STDOUT WITH CSV` of the same rows, measured in the same run.
 *
 * Compiles the app (npm run build), creates a fresh database on postgres://postgres@127.0.0.1:5432
 * (BENCH_PG_URL to change), migrates it, loads three letters with one INSERT … SELECT
 * generate_series each (N, N/10 and N/100 signatures), then runs the export command as organisers
 * run it in production (`node dist/src/app/cli/export.js <slug> --format F --out FILE`, no tsx) once
 * per case, each under /usr/bin/time -v, so each peak RSS belongs to one export alone; the COPY
 * reference is psql's \copy of the same columns of the same rows, in the same order, also timed as
 * a process. Drops the database at the end.
 *
 * "export s" is the command's own figure (from the start of the export to the file on disk, the
 * part an organiser waits for); "wall s" adds the start of the process (loading the code, checking
 * the migrations).
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { migrateAll } from '../src/platform/db/connect';
import { createDataSource } from '../src/app/data-source';
import { createLogger } from '../src/platform/logger';
import { EXPORT_NODE_FLAGS } from './export-flags';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = path.resolve(__dirname, '..');

interface Timed {
  wall: number;
  rssMb: number;
  stdout: string;
}

/** Runs a process under /usr/bin/time -v: wall time, peak RSS ("Maximum resident set size"), its output. */
function timed(cmd: string, args: string[], env: Record<string, string> = {}): Timed {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  const err = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.slice(-2000)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? 0);
  return { wall, rssMb: kb / 1024, stdout: r.stdout.toString() };
}

/** The export command, compiled, as production runs it. */
function exportCommand(
  url: string,
  slug: string,
  format: string,
  out: string,
): Timed & { seconds: number; rows: number; bytes: number } {
  const r = timed(
    process.execPath,
    [...EXPORT_NODE_FLAGS, path.join(ROOT, 'dist/src/app/cli/export.js'), slug, '--format', format, '--out', out],
    {
      NODE_ENV: 'development',
      DATABASE_URL: url,
      LOG_LEVEL: 'warn',
    },
  );
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(r.stdout)?.[1]);
  return { ...r, seconds: field('seconds'), rows: field('rows'), bytes: field('bytes') };
}

/** PostgreSQL writing the same columns of the same rows as CSV (psql \copy), timed as a process. */
function copyReference(url: string, letterId: string, out: string): Timed {
  const sql = `\\copy (SELECT s.full_name, s.country, s.city, s.organisation, s.signed_as, s.confirmed_at FROM signatures s WHERE s.letter_id = '${letterId}' AND s.status = 'confirmed' AND s.held_reason IS NULL ORDER BY s.confirmed_at, s.id) TO '${out}' WITH CSV HEADER`;
  return timed('psql', [url, '-X', '-q', '-c', sql]);
}

async function load(db: Client, slug: string, rows: number): Promise<string> {
  const {
    rows: [letter],
  } = await db.query<{ id: string }>(
    `INSERT INTO letters (slug, status, default_language) VALUES ($1, 'open', 'en') RETURNING id`,
    [slug],
  );
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
  // The verified count as signing and confirming keep it (the export reads it from here).
  await db.query(
    `INSERT INTO letter_country_counts (letter_id, country, verified)
     SELECT letter_id, country, count(*) FROM signatures WHERE letter_id = $1 AND status = 'confirmed' GROUP BY 1, 2`,
    [letter.id],
  );
  return letter.id;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      formats: { type: 'string', default: 'csv,json,xlsx,pdf' },
    },
  });
  const formats = new Set(values.formats.split(',').map((f) => f.trim()));
  const big = Number(values.rows);
  if (!Number.isSafeInteger(big) || big < 100) throw new Error('--rows must be a whole number ≥ 100');
  const mid = Math.round(big / 10);
  const small = Math.round(big / 100);

  process.stdout.write('compiling (npm run build)\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (build.status !== 0)
    throw new Error(`npm run build failed:\n${build.stdout.toString()}${build.stderr.toString()}`);

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
    const t0 = Date.now();
    const ids = {
      big: await load(db, 'bench-big', big),
      mid: await load(db, 'bench-mid', mid),
      small: await load(db, 'bench-small', small),
    };
    await db.query('VACUUM ANALYZE signatures');
    process.stdout.write(
      `loaded ${fmt(big + mid + small)} signatures in ${fmt((Date.now() - t0) / 1000, 1)} s (INSERT … SELECT generate_series)\n\n`,
    );
    await db.end();

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'undersigned-bench-export-'));
    const cases: Array<{ format: string; slug: string; rows: number; letterId: string }> = [
      { format: 'csv', slug: 'bench-big', rows: big, letterId: ids.big },
      { format: 'json', slug: 'bench-big', rows: big, letterId: ids.big },
      { format: 'xlsx', slug: 'bench-big', rows: big, letterId: ids.big },
      { format: 'csv', slug: 'bench-mid', rows: mid, letterId: ids.mid },
      { format: 'json', slug: 'bench-mid', rows: mid, letterId: ids.mid },
      { format: 'xlsx', slug: 'bench-mid', rows: mid, letterId: ids.mid },
      { format: 'pdf', slug: 'bench-small', rows: small, letterId: ids.small },
    ].filter((c) => formats.has(c.format));
    const header = `${'format'.padEnd(6)} ${'rows'.padStart(10)} ${'export s'.padStart(9)} ${'wall s'.padStart(7)} ${'rows/s'.padStart(10)} ${'MB out'.padStart(7)} ${'peak RSS'.padStart(9)}   reference: COPY … TO CSV of the same rows (wall, peak RSS), and export time / COPY time`;
    process.stdout.write(`${header}\n${'-'.repeat(header.length)}\n`);
    try {
      for (const c of cases) {
        const out = path.join(tmp, `export.${c.format}`);
        const r = exportCommand(url.toString(), c.slug, c.format, out);
        if (r.rows !== c.rows) throw new Error(`${c.format}: ${r.rows} rows exported, ${c.rows} expected`);
        let line = `${c.format.padEnd(6)} ${fmt(r.rows).padStart(10)} ${fmt(r.seconds, 2).padStart(9)} ${fmt(r.wall, 2).padStart(7)} ${fmt(r.rows / r.seconds).padStart(10)} ${fmt(r.bytes / 1e6, 1).padStart(7)} ${`${fmt(r.rssMb)} MB`.padStart(9)}`;
        fs.rmSync(out, { force: true });
        if (c.format !== 'pdf') {
          const copyOut = path.join(tmp, 'copy.csv');
          const copy = copyReference(url.toString(), c.letterId, copyOut);
          fs.rmSync(copyOut, { force: true });
          line += `   ${fmt(copy.wall, 2)} s, ${fmt(copy.rssMb)} MB → ${fmt(r.seconds / copy.wall, 2)}× COPY's time`;
        }
        process.stdout.write(`${line}\n`);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    process.stdout.write(
      '\nPeak RSS is the whole process (Node, the app\'s modules, the database client), "Maximum resident set size" of /usr/bin/time -v.\n' +
        "Targets (issue 11): CSV ≤ 2× COPY's time, peak RSS ≤ 120 MB; XLSX and JSON lines in constant memory (the same RSS for N/10 and N rows).\n",
    );
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
