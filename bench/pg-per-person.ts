import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { viralRun, type ViralMail } from './viral-day';
import { createBenchLetter, sql } from './bench-db';

/**
 * What PostgreSQL does per person on the viral day (issue 25): the compiled app (`npm run build`
 * first) started as the viral day starts it (one web and one worker process, production's limits),
 * against a database of its own with pg_stat_statements (the server must preload it), N people
 * through bench/viral-day.ts's journey; then every statement of that database with its calls per
 * person, time and rows, the transactions per person, and the CPU of the server processes serving
 * that database (their /proc times, before and after).
 *   PGPP_PEOPLE (300), PGPP_RATE (people/s, 30), PGPP_PORT (3191), PGPP_SMTP_PORT (25091),
 *   PGPP_KEEP=1 keeps the database, PGPP_JSON=file writes the figures as JSON too, PGPP_MAIL_WAIT_MS
 *   how long to wait for the last emails (60,000).
 */
const ROOT = path.resolve(__dirname, '..');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PEOPLE = Number(process.env.PGPP_PEOPLE ?? 300);
const RATE = Number(process.env.PGPP_RATE ?? 30);
const PORT = Number(process.env.PGPP_PORT ?? 3191);
const SMTP_PORT = Number(process.env.PGPP_SMTP_PORT ?? 25091);
const DB_NAME = `undersigned_pgpp_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
})();
const DIST_MAIN = path.join(ROOT, 'dist/src/app/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[pg-per-person] ${msg}\n`);

function env(role: 'web' | 'worker'): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    ROLE: role,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl,
    SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    BASE_URL: `http://127.0.0.1:${PORT}`,
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret',
    TRUST_PROXY: 'loopback',
    LOG_LEVEL: 'error',
  };
}

const start = (role: 'web' | 'worker') =>
  spawn(process.execPath, [DIST_MAIN], { cwd: ROOT, env: env(role), stdio: ['ignore', 'ignore', 'inherit'] });

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 450; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer`);
}

function cpuTicks(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** The server processes of this database (backends) and their CPU ticks so far. */
async function backendTicks(): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }>(ADMIN_URL, 'SELECT pid FROM pg_stat_activity WHERE datname = $1', [DB_NAME]);
  return new Map(rows.map((r) => [r.pid, cpuTicks(r.pid)]));
}

async function main(): Promise<void> {
  if (!fs.existsSync(DIST_MAIN)) throw new Error('npm run build first');
  await sql(ADMIN_URL, `CREATE DATABASE "${DB_NAME}"`);
  await sql(dbUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // Plans with their timings and triggers' times in the server's log, for a sample of statements.
  if (process.env.PGPP_EXPLAIN)
    for (const set of [
      `session_preload_libraries = 'auto_explain'`,
      'auto_explain.log_min_duration = 0',
      'auto_explain.log_analyze = on',
      'auto_explain.log_triggers = on',
      `auto_explain.sample_rate = ${Number(process.env.PGPP_EXPLAIN)}`,
    ])
      await sql(ADMIN_URL, `ALTER DATABASE "${DB_NAME}" SET ${set}`);
  // Planning time too (it costs a little itself: off unless asked).
  if (process.env.PGPP_PLANNING === '1')
    await sql(ADMIN_URL, `ALTER DATABASE "${DB_NAME}" SET pg_stat_statements.track_planning = on`);
  let onMail: ((m: ViralMail) => void) | null = null;
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const acceptedAt = performance.now();
        const m = Buffer.concat(chunks)
          .toString('latin1')
          .replace(/=\r?\n/g, '')
          .match(/\/s\/confirm\/([A-Za-z0-9_-]{20,})/);
        onMail?.({ to: session.envelope.rcptTo[0]?.address ?? '', token: m?.[1] ?? null, acceptedAt });
        cb();
      });
    },
  });
  const procs: ChildProcess[] = [];
  try {
    // A port in use fails here, and the database is still dropped below.
    await new Promise<void>((resolve, reject) => {
      sink.on('error', reject);
      sink.listen(SMTP_PORT, '127.0.0.1', resolve);
    });
    const first = start('web');
    await waitHttp(`http://127.0.0.1:${PORT}/`);
    await stop(first);
    procs.push(start('web'), start('worker'));
    await waitHttp(`http://127.0.0.1:${PORT}/`);
    const run = async (slug: string, people: number, firstPerson: number) => {
      const id = await createBenchLetter(dbUrl, slug);
      return viralRun({
        appUrl: `http://127.0.0.1:${PORT}`,
        slug,
        rate: RATE,
        seconds: people / RATE,
        firstPerson,
        tag: `${process.pid}-${slug}`,
        mailWaitMs: Number(process.env.PGPP_MAIL_WAIT_MS ?? 60_000),
        listen: (fn) => (onMail = fn),
        tally: async () => {
          const [t] = await sql<{ confirmed: string; held: string }>(
            dbUrl,
            `SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed, count(*) FILTER (WHERE held_reason IS NOT NULL) AS held FROM signatures WHERE letter_id = $1`,
            [id],
          );
          return { confirmedRows: Number(t?.confirmed), held: Number(t?.held) };
        },
      });
    };
    log('warm-up: 30 people');
    await run('pgpp-warm', 30, 0);
    await sleep(2000);
    const [{ oid }] = await sql<{ oid: number }>(ADMIN_URL, 'SELECT oid FROM pg_database WHERE datname = $1', [
      DB_NAME,
    ]);
    await sql(dbUrl, 'SELECT pg_stat_statements_reset(0::oid, $1::oid, 0::bigint)', [oid]);
    const xactBefore = await sql<{ c: string; r: string }>(
      ADMIN_URL,
      'SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = $1',
      [DB_NAME],
    );
    const ticksBefore = await backendTicks();
    const load = os.loadavg();
    const t0 = performance.now();
    log(`measured: ${PEOPLE} people at ${RATE}/s`);
    const f = await run('pgpp-measured', PEOPLE, 1000);
    const wall = (performance.now() - t0) / 1000;
    const ticksAfter = await backendTicks();
    let ticks = 0;
    for (const [pid, t] of ticksAfter) ticks += t - (ticksBefore.get(pid) ?? 0);
    const xactAfter = await sql<{ c: string; r: string }>(
      ADMIN_URL,
      'SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = $1',
      [DB_NAME],
    );
    const stmts = await sql<{ query: string; calls: string; ms: number; plan: number; rows: string }>(
      dbUrl,
      `SELECT query, calls, total_exec_time AS ms, total_plan_time AS plan, rows FROM pg_stat_statements WHERE dbid = $1 ORDER BY calls DESC, total_exec_time DESC`,
      [oid],
    );
    const n = f.people;
    const out = {
      people: n,
      signed: f.signed,
      mailed: f.mailed,
      confirmed: f.confirmed,
      failures: f.failedHow,
      wallSeconds: wall,
      loadavgBefore: load,
      loadavgAfter: os.loadavg(),
      backendCpuMsPerPerson: (ticks * 10) / n,
      commitsPerPerson: (Number(xactAfter[0].c) - Number(xactBefore[0].c)) / n,
      rollbacksPerPerson: (Number(xactAfter[0].r) - Number(xactBefore[0].r)) / n,
      statementsPerPerson: stmts.reduce((s, r) => s + Number(r.calls), 0) / n,
      execMsPerPerson: stmts.reduce((s, r) => s + r.ms, 0) / n,
      planMsPerPerson: stmts.reduce((s, r) => s + r.plan, 0) / n,
      statements: stmts.map((r) => ({
        perPerson: Number(r.calls) / n,
        msPerPerson: r.ms / n,
        planMsPerPerson: r.plan / n,
        rowsPerCall: Number(r.calls) ? Number(r.rows) / Number(r.calls) : 0,
        query: r.query.replace(/\s+/g, ' ').slice(0, 220),
      })),
    };
    if (process.env.PGPP_JSON) fs.writeFileSync(process.env.PGPP_JSON, JSON.stringify(out, null, 2));
    const { statements, ...head } = out;
    process.stdout.write(`${JSON.stringify(head, null, 2)}\n`);
    process.stdout.write(
      '| calls/person | exec ms/person | plan ms/person | rows/call | statement |\n|---|---|---|---|---|\n',
    );
    for (const s of statements)
      process.stdout.write(
        `| ${s.perPerson.toFixed(3)} | ${s.msPerPerson.toFixed(3)} | ${s.planMsPerPerson.toFixed(3)} | ${s.rowsPerCall.toFixed(2)} | ${s.query.replace(/\|/g, '\\|')} |\n`,
      );
  } finally {
    for (const p of procs) await stop(p);
    await new Promise<void>((r) => sink.close(() => r())).catch(() => undefined);
    if (process.env.PGPP_KEEP !== '1') await sql(ADMIN_URL, `DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
    else log(`kept database ${DB_NAME}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
