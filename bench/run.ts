import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createBenchLetter, sql } from './bench-db';
import { EXPORT_NODE_FLAGS } from './export-flags';
import {
  BackendCpu,
  climb,
  cpuSeconds,
  treeCpuSeconds,
  ladderWords,
  readStatements,
  resetStatements,
  statementsPerPerson,
  statementsReady,
  type LadderResult,
  type StatementCount,
} from './journey';
import { openLoop, type OpenLoopFigures, type OpenLoopRequest } from './open-loop';
import { meetsTargets, viralRun, viralTable, type ViralFigures, type ViralMail } from './viral-day';

/**
 * `npm run bench`: the app in production mode (`npm run build`, then `node dist/src/app/main.js` as
 * `npm run start:prod` runs it, one or two copies behind bench/cluster.ts) against its own
 * database, a real SMTP server in this process, autocannon as the load, and for every figure a
 * reference measured in the same run. Prints one table. BENCH_QUICK=1 for a short run.
 * See bench/README.md for what each line means.
 */
const ROOT = path.resolve(__dirname, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Fixed ports, overridable so that two benches on one machine do not meet.
const APP_PORT = Number(process.env.BENCH_APP_PORT ?? 3181);
const REF_PORT = Number(process.env.BENCH_REF_PORT ?? 3182);
const SMTP_PORT = Number(process.env.BENCH_SMTP_PORT ?? 25050);
/**
 * BENCH_ONLY=viral runs the viral day alone, BENCH_ONLY=list the list of signatories alone,
 * BENCH_ONLY=journey the reference journey beside the app's (and what they need: the build, the
 * database).
 */
const ONLY = process.env.BENCH_ONLY ?? '';
const VIRAL_RATES = (process.env.BENCH_VIRAL_RATES ?? (QUICK ? '100,250' : '100,250,400')).split(',').map(Number);
const VIRAL_SECONDS = Number(process.env.BENCH_VIRAL_SECONDS ?? (QUICK ? 10 : 30));
const CONNECTIONS = 50;
const FIXED_RATE = 500;
const RUNS = 3;
const WARMUP_S = QUICK ? 1 : 3;
const RUN_S = QUICK ? 2 : 5;
const BIG_LETTER_ROWS = 100_000;
/** The list's letter: a million signatures, as the list's targets are set for (fewer in quick mode, and said so). */
const LIST_LETTER_ROWS = Math.max(2_000, Number(process.env.BENCH_LIST_ROWS ?? (QUICK ? 100_000 : 1_000_000)));
const EXPORT_ROWS = QUICK ? 100_000 : 1_000_000;
const EMAILS = QUICK ? 1_000 : 5_000;
const CONFIRMS = QUICK ? 600 : 3_000;
/** Lowered when signing left too few pending signatures, or the emails too few links. */
let emailBatch = EMAILS;
let confirmAmount = CONFIRMS;
const DB_NAME = `undersigned_bench_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
})();
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'undersigned-bench-'));

/** The abuse limits, raised for the benchmark only: every request is a distinct signer anyway. */
const HIGH_LIMITS: Record<string, string> = Object.fromEntries(
  [
    'SIGN_LIMIT_PER_IP_PER_HOUR',
    'SIGN_LIMIT_PER_EMAIL_PER_HOUR',
    'FLOOD_LIMIT_PER_IP_PER_MINUTE',
    'SIGN_BURST_PER_IP_PER_MINUTE',
    'SIGN_BURST_PER_EMAIL_PER_MINUTE',
    'SIGN_SUSTAINED_PER_EMAIL_PER_HOUR',
    'SIGN_BURST_PER_DOMAIN_PER_MINUTE',
    'SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR',
  ].map((k) => [k, '100000000']),
);

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------------------------------------
// SMTP sink: accepts and discards, counts, and keeps confirmation tokens when asked to

class Sink {
  received = 0;
  collect = false;
  readonly tokens: string[] = [];
  /** The viral day's listener: told of every message (recipient, token, time accepted). */
  onMail: ((mail: ViralMail) => void) | null = null;
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, cb) => {
      const listener = this.onMail;
      if (listener) {
        // Read raw: the text part is quoted-printable (soft line breaks `=` CRLF) or plain; the
        // token alphabet (base64url) has no `=`. Parsed only when the raw text has no link.
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const acceptedAt = performance.now();
          this.received++;
          const raw = Buffer.concat(chunks);
          const to = session.envelope.rcptTo[0]?.address ?? '';
          const m = raw
            .toString('latin1')
            .replace(/=\r?\n/g, '')
            .match(/\/s\/confirm\/([A-Za-z0-9_-]{20,})/);
          if (m?.[1]) {
            listener({ to, token: m[1], acceptedAt, raw });
            cb();
            return;
          }
          simpleParser(raw)
            .then((mail) =>
              listener({
                to,
                token: (mail.text ?? '').match(/\/s\/confirm\/([A-Za-z0-9_-]{20,})/)?.[1] ?? null,
                acceptedAt,
              }),
            )
            .catch(() => listener({ to, token: null, acceptedAt }))
            .finally(() => cb());
        });
        return;
      }
      if (!this.collect) {
        stream.on('end', () => {
          this.received++;
          cb();
        });
        stream.resume();
        return;
      }
      // Parsed only while links are collected: the body is quoted-printable or base64.
      simpleParser(stream)
        .then((mail) => {
          this.received++;
          const m = (mail.text ?? '').match(/\/s\/confirm\/([A-Za-z0-9_-]{20,})/);
          if (m?.[1]) this.tokens.push(m[1]);
          cb();
        })
        .catch(cb);
    },
  });

  start(): Promise<void> {
    return new Promise((resolve) => this.server.listen(SMTP_PORT, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

function startCluster(entry: string, processes: number, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/cluster.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, BENCH_PROCESSES: String(processes), BENCH_ENTRY: entry },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

function appEnv(role: 'web' | 'worker', extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    ROLE: role,
    PORT: String(APP_PORT),
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl,
    SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    BASE_URL: `http://127.0.0.1:${APP_PORT}`,
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret',
    TRUST_PROXY: 'loopback',
    LOG_LEVEL: 'error',
    ...HIGH_LIMITS,
    // The load generator solves thousands of challenges: the smallest work per challenge. What the
    // server pays to check a solution (two HMACs, the once-only insert) does not depend on it.
    CHALLENGE_COST: '1',
    CHALLENGE_MAX_ATTEMPTS: '2',
    ...extra,
  };
}

async function waitHttp(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(t);
}

// ---------------------------------------------------------------------------------------------
// Load

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
}

type CannonOpts = Parameters<typeof autocannon>[0];

function cannon(opts: CannonOpts, expectStatus: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    // A run of a fixed amount (confirming) notices it is done only on a sample tick: sample often.
    autocannon({ connections: CONNECTIONS, ...(opts.amount ? { sampleInt: 20 } : {}), ...opts }, (err, r) => {
      if (err) return reject(err);
      let bad = r.errors + r.timeouts;
      for (const [code, s] of Object.entries(r.statusCodeStats ?? {}))
        if (Number(code) !== expectStatus) bad += s.count;
      // Requests over the run's own duration: runs of a fixed amount (confirming) end mid-second,
      // and autocannon's per-second average would count that last part-second as a whole one.
      resolve({ rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, bad });
    });
  });
}

/** Warm-up, then the median of three runs (each figure's own median). */
async function measure(make: (warmup: boolean) => CannonOpts, expectStatus: number): Promise<Figures> {
  await cannon(make(true), expectStatus);
  const runs: Figures[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await cannon(make(false), expectStatus));
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    bad: runs.reduce((a, r) => a + r.bad, 0),
  };
}

let signerSeq = 0;
/** A distinct address in 198.18.0.0/15 (reserved for benchmarks), sent as X-Forwarded-For. */
function benchIp(n: number): string {
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
}

async function csrfPairs(n: number): Promise<Array<{ cookie: string; csrf: string }>> {
  const pairs = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${APP_PORT}/letters/bench-sign`, {
      headers: { 'x-forwarded-for': benchIp(i) },
    });
    const html = await res.text();
    const csrf = html.match(/name="_csrf" value="([^"]+)"/)?.[1];
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    if (!csrf) throw new Error('no CSRF token on the letter page');
    pairs.push({ cookie, csrf });
  }
  return pairs;
}

/**
 * Solved challenges of the letter in challenge mode, fetched from the app and solved here as the
 * widget would (each is accepted once; the pool is used round-robin, so a run longer than the
 * pool replays some, which costs the server the same check and insert).
 */
async function solvedChallenges(n: number): Promise<string[]> {
  const { solveChallenge } = await import('altcha-lib');
  const { deriveKey } = await import('altcha-lib/algorithms/pbkdf2');
  const out: string[] = [];
  const one = async () => {
    const challenge = (await (
      await fetch(`http://127.0.0.1:${APP_PORT}/letters/bench-challenge/challenge`)
    ).json()) as Parameters<typeof solveChallenge>[0]['challenge'];
    const solution = await solveChallenge({ challenge, deriveKey });
    out.push(Buffer.from(JSON.stringify({ challenge, solution })).toString('base64'));
  };
  for (let i = 0; i < n; i += 20) await Promise.all(Array.from({ length: Math.min(20, n - i) }, one));
  return out;
}
let solvedSeq = 0;

/** The next distinct signer's POST: its own address, name and network, one of the CSRF pairs. */
function nextSignature(
  pairs: Array<{ cookie: string; csrf: string }>,
  target: 'app' | 'ref',
  solved?: string[],
): OpenLoopRequest {
  const n = ++signerSeq;
  const pair = pairs[n % pairs.length];
  const body = new URLSearchParams({
    ...(solved ? { altcha: solved[++solvedSeq % solved.length] } : {}),
    _csrf: pair.csrf,
    fullName: `Signer ${n}`,
    email: `signer-${process.pid}-${n}@bench${n % 50}.example.org`,
    country: 'UA',
    city: 'Kyiv',
    organisation: '',
    signedAs: 'individual',
    visibility: 'public',
  }).toString();
  return {
    method: 'POST',
    path: target === 'app' ? `/letters/${solved ? 'bench-challenge' : 'bench-sign'}/sign` : '/sign',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      cookie: pair.cookie,
      'x-forwarded-for': benchIp(n % 131072),
    },
  };
}

function signRequest(pairs: Array<{ cookie: string; csrf: string }>, target: 'app' | 'ref', solved?: string[]) {
  return {
    method: 'POST' as const,
    path: target === 'app' ? `/letters/${solved ? 'bench-challenge' : 'bench-sign'}/sign` : '/sign',
    setupRequest: (req: Record<string, unknown>) => {
      // autocannon sets Content-Length itself; a second one would make the request invalid.
      const { body, headers, path: reqPath } = nextSignature(pairs, target, solved);
      const { 'content-length': _length, ...rest } = headers;
      return { ...req, path: reqPath, body, headers: rest };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Table

interface Row {
  measure: string;
  unit: string;
  app: Array<number | null>;
  ref: Array<number | null>;
  target: string;
  higherIsBetter: boolean;
}
const rows: Row[] = [];
const notes: string[] = [];

function fmt(n: number | null, unit: string): string {
  if (n === null || Number.isNaN(n)) return '–';
  if (unit === 'ms') return n.toFixed(n < 10 ? 1 : 0);
  if (unit === 's') return n.toFixed(2);
  return Math.round(n).toLocaleString('en-US');
}

function ratio(a: number | null, r: number | null): string {
  if (a === null || r === null || !r) return '–';
  return `${((a / r) * 100).toFixed(0)}%`;
}

function printTable(): string {
  const header = [
    'Measure',
    'Unit',
    '1 proc: app',
    'reference',
    'app/ref',
    '2 proc: app',
    'reference',
    'app/ref',
    'Target',
  ];
  const lines = rows.map((r) => [
    r.measure,
    r.unit,
    fmt(r.app[0] ?? null, r.unit),
    fmt(r.ref[0] ?? null, r.unit),
    ratio(r.app[0] ?? null, r.ref[0] ?? null),
    fmt(r.app[1] ?? null, r.unit),
    fmt(r.ref[1] ?? null, r.unit),
    ratio(r.app[1] ?? null, r.ref[1] ?? null),
    r.target,
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const out = all.map((l) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
  out.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  return out.join('\n');
}

function row(measure: string, unit: string, target = '', higherIsBetter = true): Row {
  let r = rows.find((x) => x.measure === measure);
  if (!r) {
    r = { measure, unit, app: [null, null], ref: [null, null], target, higherIsBetter };
    rows.push(r);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Data

const createLetter = (slug: string) => createBenchLetter(dbUrl, slug);

/** Confirmed signatures in bulk, with the per-country totals the public count reads. */
async function addConfirmed(letterId: string, n: number, tag: string): Promise<void> {
  await sql(
    dbUrl,
    `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, city, visibility, language, status, created_at, confirmed_at)
     SELECT $1, 'Signer ' || g, $3 || g || '@example.org', $3 || g || '@example.org',
            (ARRAY['UA','FR','KZ','DE','PL','GB','US','IT','ES','LT'])[1 + g % 10],
            CASE WHEN g % 4 = 0 THEN NULL ELSE 'City ' || (g % 97) END,
            CASE WHEN g % 3 = 0 THEN 'public' WHEN g % 3 = 1 THEN 'initials' ELSE 'private' END,
            'en', 'confirmed', now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
       FROM generate_series(1, $2::int) g`,
    [letterId, n, tag],
  );
  await sql(
    dbUrl,
    `INSERT INTO letter_country_counts (letter_id, country, verified)
     SELECT letter_id, country, count(*) FROM signatures WHERE letter_id = $1 AND status = 'confirmed' GROUP BY 1, 2
     ON CONFLICT (letter_id, country) DO UPDATE SET verified = excluded.verified`,
    [letterId],
  );
  await sql(dbUrl, 'ANALYZE signatures');
}

// ---------------------------------------------------------------------------------------------
// Stages

const DIST_MAIN = path.join(ROOT, 'dist/src/app/main.js');
const REF_ENTRY = path.join(ROOT, 'bench/reference-server.ts');

async function webStage(procs: 1 | 2, idx: 0 | 1, staticDir: string): Promise<void> {
  log(`${procs} web process(es): starting`);
  const app = startCluster(DIST_MAIN, procs, appEnv('web'));
  const ref = startCluster(REF_ENTRY, procs, {
    REF_PORT: String(REF_PORT),
    REF_DATABASE_URL: dbUrl,
    REF_STATIC_DIR: staticDir,
  });
  try {
    await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
    await waitHttp(`http://127.0.0.1:${REF_PORT}/static/letter.json`);
    const pairs = await csrfPairs(64);
    const appUrl = `http://127.0.0.1:${APP_PORT}`;
    const refUrl = `http://127.0.0.1:${REF_PORT}`;
    const dur = (w: boolean) => (w ? WARMUP_S : RUN_S);

    log('signing, closed loop');
    const sA = await measure((w) => ({ url: appUrl, duration: dur(w), requests: [signRequest(pairs, 'app')] }), 303);
    const sR = await measure((w) => ({ url: refUrl, duration: dur(w), requests: [signRequest(pairs, 'ref')] }), 303);
    row('Signing: throughput', 'req/s', '≥60% of ref; ≥1,000/s').app[idx] = sA.rps;
    row('Signing: throughput', 'req/s').ref[idx] = sR.rps;
    row('Signing: p50 latency', 'ms', '', false).app[idx] = sA.p50;
    row('Signing: p50 latency', 'ms').ref[idx] = sR.p50;
    row('Signing: p99 latency', 'ms', '', false).app[idx] = sA.p99;
    row('Signing: p99 latency', 'ms').ref[idx] = sR.p99;
    if (sA.bad || sR.bad)
      notes.push(`${procs} proc signing: ${sA.bad} app / ${sR.bad} reference answers other than 303`);

    // The same signing on a letter in challenge mode, every request with a solved challenge: what
    // checking it costs (the two HMACs of altcha-lib's check and the once-only insert).
    log('signing in challenge mode with solved challenges, closed loop');
    const solved = await solvedChallenges(QUICK ? 2_000 : 5_000);
    const sC = await measure(
      (w) => ({ url: appUrl, duration: dur(w), requests: [signRequest(pairs, 'app', solved)] }),
      303,
    );
    row('Signing, challenge solved: throughput', 'req/s', '≥40% of ref').app[idx] = sC.rps;
    row('Signing, challenge solved: throughput', 'req/s').ref[idx] = sR.rps;
    row('Signing, challenge solved: p50 latency', 'ms', '', false).app[idx] = sC.p50;
    row('Signing, challenge solved: p50 latency', 'ms').ref[idx] = sR.p50;
    // Per signature, from the closed loop's latency at the same concurrency: solved minus plain.
    row('Challenge check, per signature', 'ms', 'signing ≥40% of ref', false).app[idx] = sC.p50 - sA.p50;
    if (sC.bad) notes.push(`${procs} proc challenge signing: ${sC.bad} answers other than 303`);

    log(`signing at a fixed ${FIXED_RATE} req/s (open loop, evenly spaced)`);
    const fixed = async (url: string, target: 'app' | 'ref') => {
      const once = (w: boolean) =>
        openLoop({
          url,
          rate: FIXED_RATE,
          seconds: dur(w),
          next: () => nextSignature(pairs, target),
          expectStatus: 303,
        });
      await once(true);
      const runs: OpenLoopFigures[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await once(false));
      return {
        rps: median(runs.map((r) => r.rps)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        bad: runs.reduce((a, r) => a + r.bad, 0),
      };
    };
    const fA = await fixed(appUrl, 'app');
    const fR = await fixed(refUrl, 'ref');
    row(`Signing at ${FIXED_RATE} req/s: p99`, 'ms', '< 50 ms', false).app[idx] = fA.p99;
    row(`Signing at ${FIXED_RATE} req/s: p99`, 'ms').ref[idx] = fR.p99;
    row(`Signing at ${FIXED_RATE} req/s: achieved`, 'req/s', String(FIXED_RATE)).app[idx] = fA.rps;
    row(`Signing at ${FIXED_RATE} req/s: achieved`, 'req/s').ref[idx] = fR.rps;
    if (fA.bad || fR.bad)
      notes.push(`${procs} proc fixed rate: ${fA.bad} app / ${fR.bad} reference answers other than 303`);

    for (const [label, appPath, refPath] of [
      ['Letter page, 100k signatures', '/letters/bench-big', '/static/letter.html'],
      ['Letter JSON, 100k signatures', '/letters/bench-big.json', '/static/letter.json'],
    ] as const) {
      log(label);
      const a = await measure((w) => ({ url: `${appUrl}${appPath}`, duration: dur(w) }), 200);
      const r = await measure((w) => ({ url: `${refUrl}${refPath}`, duration: dur(w) }), 200);
      row(`${label}: throughput`, 'req/s').app[idx] = a.rps;
      row(`${label}: throughput`, 'req/s').ref[idx] = r.rps;
      row(`${label}: p99`, 'ms', '', false).app[idx] = a.p99;
      row(`${label}: p99`, 'ms').ref[idx] = r.p99;
      if (a.bad || r.bad) notes.push(`${procs} proc ${label}: ${a.bad} app / ${r.bad} reference failed answers`);
    }
  } finally {
    await stop(app);
    await stop(ref);
  }
}

let emailOffset = 0;

/** The list's pages that the list stage measures: a label, the app's path and the snapshot's file. */
interface ListLine {
  label: string;
  path: string;
  file: string;
}
let listLines: ListLine[] = [];
/**
 * Searches of distinct names (four digits or more: a name, not a tenth of the letter), each its
 * own query (the list keeps no page), round-robin.
 */
const LIST_SEARCHES = Array.from(
  { length: 500 },
  (_, i) => `signer ${1000 + ((3242 + i * 1999) % (LIST_LETTER_ROWS - 1000))}`,
);
const listSearchPath = (q: string) => `/letters/bench-list/signatories?q=${encodeURIComponent(q)}`;

/**
 * Who signed, on a letter of LIST_LETTER_ROWS: the list's first page, deep pages of a filtered
 * list and of the order by name in Kazakh (keyset pages reached by following their links, so page
 * 40 is what a reader gets there), searches, and the map (drawn once per figures and kept); each
 * against the same bytes served as a static file in the same run.
 */
async function loadListLetter(): Promise<void> {
  const id = await createLetter('bench-list');
  log(`loading ${LIST_LETTER_ROWS.toLocaleString('en-US')} verified signatures for the list`);
  await addConfirmed(id, LIST_LETTER_ROWS, 'list');
  const snap = startCluster(DIST_MAIN, 1, appEnv('web'));
  try {
    await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
    const get = async (at: string) =>
      Buffer.from(await (await fetch(`http://127.0.0.1:${APP_PORT}${at}`)).arrayBuffer());
    // Page 40 (or the last, on a small letter), reached by following the "next" links from page 1.
    const deep = async (start: string): Promise<{ at: string; page: number }> => {
      let at = start;
      let page = 1;
      for (; page < 40; page++) {
        const next = /<a href="([^"]+)" rel="next">/.exec((await get(at)).toString('utf8'));
        if (!next) break;
        at = next[1].replace(/&amp;/g, '&');
      }
      return { at, page };
    };
    const n = LIST_LETTER_ROWS.toLocaleString('en-US');
    const kz = await deep('/letters/bench-list/signatories?country=KZ');
    const byName = await deep('/letters/bench-list/signatories?order=name&lang=kk');
    listLines = [
      { label: `List of signatories (${n}), page 1`, path: '/letters/bench-list/signatories', file: 'list-1.html' },
      { label: `List of signatories (${n}), KZ page ${kz.page}`, path: kz.at, file: 'list-deep.html' },
      {
        label: `List of signatories (${n}), by name (kk) page ${byName.page}`,
        path: byName.at,
        file: 'list-name.html',
      },
      { label: `List of signatories (${n}), search`, path: listSearchPath(LIST_SEARCHES[0]), file: 'list-search.html' },
      { label: `Map of signatures (${n})`, path: '/letters/bench-list/map.svg', file: 'map.svg' },
    ];
    for (const line of listLines) fs.writeFileSync(path.join(TMP, line.file), await get(line.path));
  } finally {
    await stop(snap);
  }
}

async function listStage(procs: 1 | 2, idx: 0 | 1): Promise<void> {
  log(`${procs} web process(es): the list of signatories`);
  const app = startCluster(DIST_MAIN, procs, appEnv('web'));
  const ref = startCluster(REF_ENTRY, procs, {
    REF_PORT: String(REF_PORT),
    REF_DATABASE_URL: dbUrl,
    REF_STATIC_DIR: TMP,
  });
  try {
    await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
    await waitHttp(`http://127.0.0.1:${REF_PORT}/static/list-1.html`);
    const appUrl = `http://127.0.0.1:${APP_PORT}`;
    const refUrl = `http://127.0.0.1:${REF_PORT}`;
    const dur = (w: boolean) => (w ? WARMUP_S : RUN_S);
    let search = 0;
    const searches = {
      setupRequest: (req: Record<string, unknown>) => ({
        ...req,
        path: listSearchPath(LIST_SEARCHES[search++ % LIST_SEARCHES.length]),
      }),
    };
    for (const line of listLines) {
      log(line.label);
      const isSearch = line.file === 'list-search.html';
      const a = await measure(
        (w) => ({ url: `${appUrl}${line.path}`, duration: dur(w), ...(isSearch ? { requests: [searches] } : {}) }),
        200,
      );
      const r = await measure((w) => ({ url: `${refUrl}/static/${line.file}`, duration: dur(w) }), 200);
      const target = isSearch ? 'p99 < 100 ms' : line.file === 'map.svg' ? 'from its cache' : '≥60% of ref';
      row(`${line.label}: throughput`, 'req/s', isSearch ? '' : target).app[idx] = a.rps;
      row(`${line.label}: throughput`, 'req/s').ref[idx] = r.rps;
      row(`${line.label}: p99`, 'ms', isSearch ? target : '', false).app[idx] = a.p99;
      row(`${line.label}: p99`, 'ms').ref[idx] = r.p99;
      if (a.bad || r.bad) notes.push(`${procs} proc ${line.label}: ${a.bad} app / ${r.bad} reference failed answers`);
    }
  } finally {
    await stop(app);
    await stop(ref);
  }
  notes.push(
    `list (${procs} proc): load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} after the stage`,
  );
}

async function emailStage(sink: Sink, workers: 1 | 2, idx: 0 | 1): Promise<void> {
  log(`emails with ${workers} worker process(es)`);
  // The signing stages left their own jobs behind (in the queue and in the signing outbox, which
  // the worker would relay); this stage sends exactly the ones it enqueues.
  await sql(dbUrl, `DELETE FROM graphile_worker._private_jobs`);
  await sql(dbUrl, `DELETE FROM job_outbox`);
  const worker = startCluster(DIST_MAIN, workers, appEnv('worker', { WORKER_CONCURRENCY: '10' }));
  try {
    // Ready: one presence connection per worker process.
    for (let i = 0; i < 600; i++) {
      const [r] = await sql<{ n: string }>(
        dbUrl,
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'undersigned-worker-presence'`,
        [DB_NAME],
      );
      if (Number(r?.n) >= workers) break;
      await sleep(100);
    }
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const before = sink.received;
      const t0 = performance.now();
      // Distinct pending signatures for every run (confirmations come later, so the set is stable).
      const [added] = await sql<{ n: string }>(
        dbUrl,
        // Into the signing outbox, as signing puts them: the worker relays them into its queue.
        `WITH o AS (
           INSERT INTO job_outbox (task, payload)
           SELECT 'signature-email', json_build_object('signatureId', id, 'kind', 'confirm')
             FROM (SELECT id FROM signatures WHERE status = 'pending' ORDER BY created_at, id OFFSET $2 LIMIT $1) s
           RETURNING 1)
         SELECT count(*) AS n FROM o`,
        [emailBatch, emailOffset],
      );
      emailOffset += emailBatch;
      const want = Number(added?.n);
      while (sink.received - before < want) await sleep(20);
      rates.push(want / ((performance.now() - t0) / 1000));
      await sql(dbUrl, `DELETE FROM graphile_worker._private_jobs`);
    }
    row('Verification emails, outbox → SMTP', 'emails/s').app[idx] = median(rates);
  } finally {
    await stop(worker);
  }
  // Reference: the same number of messages sent straight from here through a pooled transport.
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: SMTP_PORT,
      secure: false,
      pool: true,
      maxConnections: 5 * workers,
      ignoreTLS: true,
    });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: emailBatch }, (_, i) =>
        transport.sendMail({
          from: 'bench@example.org',
          to: `ref-${i}@example.org`,
          subject: 'Confirm your signature',
          text: 'Confirm: https://example.org/s/confirm/x\n'.repeat(10),
        }),
      ),
    );
    rates.push(emailBatch / ((performance.now() - t0) / 1000));
    transport.close();
  }
  row('Verification emails, outbox → SMTP', 'emails/s').ref[idx] = median(rates);
}

async function confirmStage(sink: Sink, procs: 1 | 2, idx: 0 | 1, letterId: string): Promise<void> {
  log(`confirming with ${procs} web process(es)`);
  const app = startCluster(DIST_MAIN, procs, appEnv('web'));
  // A worker, as in production: it folds the count deltas every two seconds. Without it every
  // confirmation's delta stays unfolded, and each read of the count sums all of them.
  const worker = startCluster(DIST_MAIN, 1, appEnv('worker'));
  const ref = startCluster(REF_ENTRY, procs, {
    REF_PORT: String(REF_PORT),
    REF_DATABASE_URL: dbUrl,
    REF_STATIC_DIR: TMP,
  });
  try {
    await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
    await waitHttp(`http://127.0.0.1:${REF_PORT}/static/letter.json`);
    const warm = Math.floor(confirmAmount / 5);
    const [{ max }] = (await sql<{ max: string }>(
      dbUrl,
      'SELECT coalesce(max(id), 1) AS max FROM bench_reference',
    )) as [{ max: string }];
    let refSeq = 0;
    let confirmSeq = 0;
    // Confirming is the POST of the confirmation page's button: the CSRF cookie and token the page
    // gives (one pair per connection's worth, reused as a browser would), a form body of the same
    // size as the page's, and a network origin of its own for every signer. The page's GET is not
    // measured: it changes nothing, and scanners and people open it at their own pace.
    const pairs = await csrfPairs(CONNECTIONS);
    const confirmBody = (csrf: string) => new URLSearchParams({ _csrf: csrf, visibility: 'public' }).toString();
    const confirm = (w: boolean): CannonOpts => ({
      url: `http://127.0.0.1:${APP_PORT}`,
      amount: w ? warm : confirmAmount,
      requests: [
        {
          method: 'POST',
          setupRequest: (req: Record<string, unknown>) => {
            // Out of links: an unknown token answers 404 and is counted as a failure.
            const token = sink.tokens.pop() ?? 'out-of-links';
            const n = ++confirmSeq;
            const pair = pairs[n % pairs.length];
            // autocannon sets Content-Length itself; a second one would make the request invalid.
            return {
              ...req,
              path: `/s/confirm/${token}`,
              body: confirmBody(pair.csrf),
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                cookie: pair.cookie,
                'x-forwarded-for': benchIp(n % 131072),
              },
            };
          },
        },
      ],
    });
    const refBody = confirmBody(pairs[0].csrf);
    const refConfirm = (w: boolean): CannonOpts => ({
      url: `http://127.0.0.1:${REF_PORT}`,
      amount: w ? warm : confirmAmount,
      requests: [
        {
          method: 'POST',
          setupRequest: (req: Record<string, unknown>) => ({
            ...req,
            path: `/confirm/${1 + (refSeq++ % Number(max))}`,
            body: refBody,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
        },
      ],
    });
    const a = await measure(confirm, 200);
    const r = await measure(refConfirm, 200);
    row('Confirming (emailed link): throughput', 'req/s').app[idx] = a.rps;
    row('Confirming (emailed link): throughput', 'req/s').ref[idx] = r.rps;
    row('Confirming: p99', 'ms', '', false).app[idx] = a.p99;
    row('Confirming: p99', 'ms').ref[idx] = r.p99;
    if (a.bad) notes.push(`${procs} proc confirming: ${a.bad} answers other than 200`);

    const [{ n }] = (await sql<{ n: string }>(
      dbUrl,
      `SELECT count(*) AS n FROM signatures WHERE letter_id = $1 AND status = 'confirmed'`,
      [letterId],
    )) as [{ n: string }];
    // The public JSON is shared for a second per process: poll until it shows the confirmed rows,
    // for at most 3 s, and say how long it took.
    const asked = performance.now();
    let shown = -1;
    while (performance.now() - asked < 3_000) {
      const res = await fetch(`http://127.0.0.1:${APP_PORT}/letters/bench-sign.json`);
      shown = ((await res.json()) as { signatureCount: number }).signatureCount;
      if (shown === Number(n)) break;
      await sleep(100);
    }
    const waited = ((performance.now() - asked) / 1000).toFixed(1);
    notes.push(
      `${procs} proc: public count after confirming ${shown === Number(n) ? `EXACT within ${waited} s` : 'WRONG after 3 s'} (${shown} shown, ${n} confirmed rows)`,
    );
  } finally {
    await stop(app);
    await stop(worker);
    await stop(ref);
  }
}

// ---------------------------------------------------------------------------------------------
// The viral day (bench/viral-day.ts): production settings, no raised limits

const viralResults: Array<{ setup: string; figures: ViralFigures }> = [];
let viralPeople = 0;

/** The environment `npm run start:prod` would get: default limits, nothing raised. */
function viralEnv(role: 'web' | 'worker' | 'all'): Record<string, string> {
  const env: Record<string, string> = { ...appEnv('web'), ROLE: role };
  for (const k of Object.keys(HIGH_LIMITS)) delete env[k];
  return env;
}

/** `node dist/src/app/main.js`, as `npm run start:prod` starts it: no cluster wrapper, no tsx. */
function startProd(env: Record<string, string>, logFile?: string): ChildProcess {
  return spawn(process.execPath, [DIST_MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', logFile ? fs.openSync(logFile, 'a') : 'ignore', 'inherit'],
  });
}

async function workersReady(n: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [r] = await sql<{ n: string }>(
      dbUrl,
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'undersigned-worker-presence'`,
      [DB_NAME],
    );
    if (Number(r?.n) >= n) return;
    await sleep(100);
  }
  throw new Error('the worker did not start');
}

/** CPU seconds used so far by every PostgreSQL process of the machine (the server shares the cores). */
function postgresCpuSeconds(): number | null {
  try {
    let total = 0;
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let comm = '';
      try {
        comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        continue; // gone meanwhile
      }
      if (comm === 'postgres' || comm.startsWith('postgres:')) total += cpuSeconds(Number(pid)) ?? 0;
    }
    return total;
  } catch {
    return null;
  }
}

/** Where the CPU of a viral run went, per person: the app's processes, PostgreSQL, and this load generator. */
const viralCpu: string[] = [];

async function viralStage(sink: Sink, setup: 'split' | 'combined' | 'cluster'): Promise<void> {
  const label =
    setup === 'split'
      ? '1 web + 1 worker process'
      : setup === 'cluster'
        ? 'WEB_PROCESSES=2 (2 web + 1 worker, one command)'
        : '1 process (web and worker)';
  log(`viral day: ${label}`);
  // The lines above ran with raised limits and left their counters: these people start afresh
  // (each from an address of their own, never reused across the viral runs).
  await sql(dbUrl, 'DELETE FROM rate_limits');
  await sql(dbUrl, 'DELETE FROM graphile_worker._private_jobs');
  await sql(dbUrl, 'DELETE FROM job_outbox');
  const procs =
    setup === 'split'
      ? [startProd(viralEnv('web')), startProd(viralEnv('worker'))]
      : setup === 'cluster'
        ? [startProd({ ...viralEnv('all'), WEB_PROCESSES: '2' })]
        : [startProd(viralEnv('all'))];
  try {
    await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
    await workersReady(1);
    for (const rate of VIRAL_RATES) {
      const slug = `viral-${setup}-${rate}`;
      const letterId = await createLetter(slug);
      log(`viral day: ${rate} people/s for ${VIRAL_SECONDS} s (${label})`);
      const cpuBefore = {
        procs: procs.map((p) => treeCpuSeconds(p.pid)),
        pg: postgresCpuSeconds(),
        self: process.cpuUsage(),
        at: performance.now(),
      };
      const figures = await viralRun({
        appUrl: `http://127.0.0.1:${APP_PORT}`,
        slug,
        rate,
        seconds: VIRAL_SECONDS,
        firstPerson: viralPeople,
        tag: `${process.pid}-${setup}-${rate}`,
        mailWaitMs: QUICK ? 20_000 : 60_000,
        listen: (fn) => (sink.onMail = fn),
        tally: async () => {
          const [t] = await sql<{ confirmed: string; held: string }>(
            dbUrl,
            `SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed, count(*) FILTER (WHERE held_reason IS NOT NULL) AS held
               FROM signatures WHERE letter_id = $1`,
            [letterId],
          );
          return { confirmedRows: Number(t?.confirmed), held: Number(t?.held) };
        },
      });
      viralPeople += figures.people;
      viralResults.push({ setup: label, figures });
      {
        // Everything the run caused, until its last email and confirmation (the run's own wait included).
        const wall = (performance.now() - cpuBefore.at) / 1000;
        const self = process.cpuUsage(cpuBefore.self);
        const used = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
        const parts: Array<[string, number | null]> = [
          ...procs.map((p, i): [string, number | null] => [
            setup === 'split' ? (i === 0 ? 'web' : 'worker') : 'app',
            used(treeCpuSeconds(p.pid), cpuBefore.procs[i]),
          ]),
          ['PostgreSQL', used(postgresCpuSeconds(), cpuBefore.pg)],
          ['load generator and SMTP sink', (self.user + self.system) / 1e6],
        ];
        const perPerson = (x: number | null) => (x === null ? '?' : `${((x * 1000) / figures.people).toFixed(2)} ms`);
        const total = parts.reduce((sum, [, x]) => sum + (x ?? 0), 0);
        viralCpu.push(
          `${label}, ${rate}/s: CPU per person ${parts.map(([name, x]) => `${name} ${perPerson(x)}`).join(', ')}; ` +
            `total ${perPerson(total)} (${(total / wall).toFixed(2)} of ${os.cpus().length} cores busy over the run's ${wall.toFixed(0)} s)`,
        );
      }
      if (figures.failures) notes.push(`viral day, ${label}, ${rate}/s: failed ${JSON.stringify(figures.failedHow)}`);
      log(
        `  sign p99 ${figures.signP99.toFixed(0)} ms, email lag p99 ${(figures.lagP99 / 1000).toFixed(2)} s, confirm p99 ${figures.confirmP99.toFixed(0)} ms, ` +
          `count exact after ${figures.countExactAfter?.toFixed(2) ?? 'never'} s, lost ${figures.lost}, held ${figures.held}, failed ${figures.failures}` +
          (figures.failures ? ` (${JSON.stringify(figures.failedHow)})` : ''),
      );
      // Let the machine settle (autovacuum, the fold) before the next rate.
      await sleep(QUICK ? 1000 : 3000);
    }
  } finally {
    for (const p of procs) await stop(p);
  }
}

function viralReport(): string {
  if (!viralResults.length) return '';
  const setups = [...new Set(viralResults.map((r) => r.setup))];
  const headline = setups.map((setup) => {
    const ok = viralResults.filter((r) => r.setup === setup && meetsTargets(r.figures)).map((r) => r.figures.rate);
    return `- headline, ${setup}: ${ok.length ? `${Math.max(...ok)} people/s (${(Math.max(...ok) * 60).toLocaleString('en-US')}/min)` : 'no rate met every target'}`;
  });
  return (
    `\nViral day (open loop, ${VIRAL_SECONDS} s per rate; each person opens the page, signs from their own network with default limits, ` +
    `gets the email over SMTP, opens the link and confirms; compiled app as start:prod runs it)\n\n${viralTable(viralResults)}\n\n` +
    `- targets: signing p99 < 100 ms, email lag p99 < 5 s, confirming p99 < 100 ms, count exact within 2 s, nothing lost, nobody held, every person confirmed\n` +
    viralCpu.map((line) => `- ${line}\n`).join('') +
    `${headline.join('\n')}\n`
  );
}

// ---------------------------------------------------------------------------------------------
// The reference journey (bench/reference-journey.ts): the viral day's journey against the least a
// web process and a worker can do for it, beside the app in its default production layout (one
// ROLE=all process, what `npm start` and `npm run start:prod` run), in the same run

const JOURNEY_SECONDS = Number(process.env.BENCH_JOURNEY_SECONDS ?? (QUICK ? 5 : 10));
const JOURNEY_LADDER = (process.env.BENCH_JOURNEY_RATES ?? '25,50,100,160,250,400,640,1000,1600,2500')
  .split(',')
  .map(Number);
/**
 * The first rung, run by both sides: the viral day's highest configured rate. Their CPU and
 * statements per person are compared at this rate.
 */
const JOURNEY_START = Number(process.env.BENCH_JOURNEY_START ?? VIRAL_RATES[VIRAL_RATES.length - 1]);
/** Runs per side at most, and no run begun after this many seconds of the side's ladder. */
const JOURNEY_MAX_RUNS = QUICK ? 5 : 7;
const JOURNEY_BUDGET_S = QUICK ? 80 : 300;
/** Before each side's ladder, not counted. */
const JOURNEY_WARMUP_RATE = Math.min(100, JOURNEY_START);
const JOURNEY_WARMUP_S = QUICK ? 4 : 10;
const REF_DB_NAME = `${DB_NAME}_ref`;
const refDbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${REF_DB_NAME}`;
  return u.toString();
})();
const REF_JOURNEY_ENTRY = path.join(ROOT, 'bench/reference-journey.ts');

interface JourneyRun {
  figures: ViralFigures;
  /** CPU seconds over the run: each process of the side, its database's backends, the whole PostgreSQL server, this process. */
  procs: Array<[string, number | null]>;
  pgBackends: number;
  pgAll: number | null;
  self: number;
  wall: number;
  /** pg_stat_statements of the side's database over the run (the first run only), or null. */
  statements: StatementCount[] | null;
  /** Entries pg_stat_statements evicted during the run (the server's table was full): the counts are then short. */
  evicted: number;
}
interface JourneySide {
  label: string;
  runs: JourneyRun[];
  ladder: LadderResult;
  load: string;
}
const journeySides: JourneySide[] = [];
let journeyStatementsNote: string | null = null;

const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/**
 * The app's letter page and confirmation page, as one person gets them, for the reference to
 * serve as static files: the page of a letter of its own, one signature, its email, its link.
 */
async function snapshotJourneyPages(sink: Sink, dir: string): Promise<void> {
  const base = `http://127.0.0.1:${APP_PORT}`;
  await createLetter('journey-pages');
  const ip = '198.19.255.253';
  const page = await fetch(`${base}/letters/journey-pages`, { headers: { 'x-forwarded-for': ip } });
  const html = Buffer.from(await page.arrayBuffer());
  const csrf = html.toString('utf8').match(/name="_csrf" value="([^"]+)"/)?.[1];
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (page.status !== 200 || !csrf) throw new Error(`journey: the letter page answered ${page.status}`);
  fs.writeFileSync(path.join(dir, 'letter.html'), html);
  const email = `journey-pages-${process.pid}@gmail.com`;
  const mail = new Promise<ViralMail>((resolve) => {
    sink.onMail = (m) => {
      if (m.to.toLowerCase() === email) resolve(m);
    };
  });
  const form = new URLSearchParams({
    _csrf: csrf,
    fullName: 'Journey Pages',
    email,
    country: 'UA',
    city: '',
    organisation: '',
    signedAs: 'individual',
    visibility: 'public',
  }).toString();
  const signed = await fetch(`${base}/letters/journey-pages/sign`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': ip },
    body: form,
  });
  if (signed.status !== 303) throw new Error(`journey: signing answered ${signed.status}`);
  const got = await Promise.race([mail, sleep(30_000).then(() => null)]);
  sink.onMail = null;
  if (!got?.token) throw new Error('journey: no confirmation email within 30 s');
  const confirm = await fetch(`${base}/s/confirm/${got.token}`, { headers: { cookie, 'x-forwarded-for': ip } });
  const confirmHtml = Buffer.from(await confirm.arrayBuffer());
  if (confirm.status !== 200 || !/name="_csrf"/.test(confirmHtml.toString('utf8')))
    throw new Error(`journey: the confirmation page answered ${confirm.status}`);
  fs.writeFileSync(path.join(dir, 'confirm.html'), confirmHtml);
  // The email too: the reference sends the app's own message (subject, text and HTML parts, the
  // one-click unsubscribe headers), with each person's name and link put in, so that both sides
  // build and send the same MIME message with nodemailer.
  if (!got.raw) throw new Error('journey: the confirmation email was not kept');
  const parsed = await simpleParser(got.raw);
  const mark = (s: string) =>
    s.replaceAll(got.token!, '{{token}}').replaceAll('Journey Pages', '{{name}}').replaceAll(base, '{{base}}');
  const headers: Record<string, string> = {};
  for (const name of ['list-unsubscribe', 'list-unsubscribe-post']) {
    const v = parsed.headers.get(name);
    if (typeof v === 'string') headers[name] = v;
    else if (v && typeof v === 'object' && 'text' in v) headers[name] = String((v as { text: string }).text);
  }
  fs.writeFileSync(
    path.join(dir, 'mail.json'),
    JSON.stringify({
      subject: parsed.subject ?? '',
      text: mark(parsed.text ?? ''),
      html: mark(typeof parsed.html === 'string' ? parsed.html : ''),
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replaceAll(base, '{{base}}')])),
    }),
  );
}

/** One side's ladder of rates: each rate a viral day of JOURNEY_SECONDS on a letter of its own. */
async function journeyLadder(
  side: 'app' | 'ref',
  label: string,
  url: string,
  sink: Sink,
  procs: Array<[string, ChildProcess]>,
): Promise<void> {
  const database = side === 'app' ? DB_NAME : REF_DB_NAME;
  const runs: JourneyRun[] = [];
  /** A letter of its own (`name` in its slug), made before the run so that its statements are not the run's. */
  const letter = async (name: string) => {
    const slug = `journey-${side}-${name}`;
    return { name, slug, letterId: side === 'app' ? await createLetter(slug) : null };
  };
  /** One viral day on that letter, and its figures. */
  const day = async (
    { name, slug, letterId }: Awaited<ReturnType<typeof letter>>,
    rate: number,
    seconds: number,
  ): Promise<ViralFigures> => {
    const figures = await viralRun({
      appUrl: url,
      slug,
      rate,
      seconds,
      firstPerson: viralPeople,
      tag: `${process.pid}-journey-${side}-${name}`,
      mailWaitMs: QUICK ? 10_000 : 30_000,
      listen: (fn) => (sink.onMail = fn),
      tally: async () => {
        if (side === 'ref') {
          const [t] = await sql<{ confirmed: string }>(
            refDbUrl,
            `/* bench */ SELECT count(*) AS confirmed FROM signatures WHERE letter = $1 AND confirmed_at IS NOT NULL`,
            [slug],
          );
          return { confirmedRows: Number(t?.confirmed), held: 0 };
        }
        const [t] = await sql<{ confirmed: string; held: string }>(
          dbUrl,
          `/* bench */ SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed, count(*) FILTER (WHERE held_reason IS NOT NULL) AS held
             FROM signatures WHERE letter_id = $1`,
          [letterId],
        );
        return { confirmedRows: Number(t?.confirmed), held: Number(t?.held) };
      },
    });
    viralPeople += figures.people;
    return figures;
  };
  // A warm-up, not counted: both sides start cold (V8 compiles the hot paths in the first
  // thousand requests or so), and the first rung must not measure that.
  log(`journey: ${label}, warm-up at ${JOURNEY_WARMUP_RATE} people/s for ${JOURNEY_WARMUP_S} s`);
  await day(await letter('warm-up'), JOURNEY_WARMUP_RATE, JOURNEY_WARMUP_S);
  await sleep(1000);
  const deadline = performance.now() + JOURNEY_BUDGET_S * 1000;
  const ladder = await climb(JOURNEY_LADDER, JOURNEY_START, JOURNEY_MAX_RUNS, deadline, async (rate) => {
    log(`journey: ${label}, ${rate} people/s for ${JOURNEY_SECONDS} s`);
    const runLetter = await letter(String(rate));
    const counting = journeyStatementsNote === null;
    const evictedBefore = counting ? await resetStatements(dbUrl, database) : 0;
    const backends = new BackendCpu(ADMIN_URL, [database]);
    await backends.start();
    const before = {
      procs: procs.map(([, p]) => cpuSeconds(p.pid)),
      pg: postgresCpuSeconds(),
      self: process.cpuUsage(),
      at: performance.now(),
    };
    const figures = await day(runLetter, rate, JOURNEY_SECONDS);
    const pgBackends = await backends.stop();
    const used = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    const self = process.cpuUsage(before.self);
    const read = counting ? await readStatements(dbUrl, database) : null;
    runs.push({
      figures,
      procs: procs.map(([name, p], i) => [name, used(cpuSeconds(p.pid), before.procs[i])]),
      pgBackends,
      pgAll: used(postgresCpuSeconds(), before.pg),
      self: (self.user + self.system) / 1e6,
      wall: (performance.now() - before.at) / 1000,
      statements: read?.counts ?? null,
      evicted: read ? read.evictions - evictedBefore : 0,
    });
    if (figures.failures) notes.push(`journey, ${label}, ${rate}/s: failed ${JSON.stringify(figures.failedHow)}`);
    log(
      `  sign p99 ${figures.signP99.toFixed(0)} ms, email lag p99 ${(figures.lagP99 / 1000).toFixed(2)} s, confirm p99 ${figures.confirmP99.toFixed(0)} ms, ` +
        `count exact after ${figures.countExactAfter?.toFixed(2) ?? 'never'} s, lost ${figures.lost}, failed ${figures.failures}: ` +
        (meetsTargets(figures) ? 'met' : 'missed'),
    );
    await sleep(QUICK ? 1000 : 3000);
    return meetsTargets(figures);
  });
  journeySides.push({ label, runs, ladder, load: loadAverage() });
}

/** Ready: the reference worker's two connections (claims, LISTEN) are open. */
async function refWorkerReady(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const [r] = await sql<{ n: string }>(
      ADMIN_URL,
      `/* bench */ SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN jobs'`,
      [REF_DB_NAME],
    );
    if (Number(r?.n) >= 1) return;
    await sleep(100);
  }
  throw new Error('the reference worker did not start');
}

async function journeyStage(sink: Sink): Promise<void> {
  journeyStatementsNote = await statementsReady(dbUrl);
  if (journeyStatementsNote) log(journeyStatementsNote);
  await sql(ADMIN_URL, `CREATE DATABASE "${REF_DB_NAME}"`);
  await sql(
    refDbUrl,
    `CREATE TABLE signatures (id bigserial PRIMARY KEY, letter text NOT NULL, email text NOT NULL, full_name text NOT NULL,
       country text NOT NULL, token text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now(), confirmed_at timestamptz);
     CREATE TABLE jobs (id bigserial PRIMARY KEY, signature_id bigint NOT NULL)`,
  );
  // Earlier stages' counters and jobs (raised limits) are not this stage's.
  await sql(dbUrl, 'DELETE FROM rate_limits');
  await sql(dbUrl, 'DELETE FROM graphile_worker._private_jobs');
  await sql(dbUrl, 'DELETE FROM job_outbox');
  const pages = path.join(TMP, 'journey');
  fs.mkdirSync(pages, { recursive: true });

  log('journey: the app, one ROLE=all process');
  // Its log (errors only) is kept, to say why if it stops during a run.
  const appLog = path.join(TMP, 'journey-app.log');
  const app = startProd(viralEnv('all'), appLog);
  app.once('exit', (code, signal) => {
    if (app.killed) return;
    log(`journey: the app exited (${code ?? signal}); its log ends:`);
    process.stderr.write(fs.readFileSync(appLog, 'utf8').split('\n').slice(-20).join('\n'));
  });
  try {
    await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
    await workersReady(1);
    await snapshotJourneyPages(sink, pages);
    await journeyLadder('app', 'app (1 process, ROLE=all)', `http://127.0.0.1:${APP_PORT}`, sink, [['app', app]]);
  } finally {
    await stop(app);
  }

  log('journey: the reference, one web process and one worker');
  const refEnv = (role: 'web' | 'worker') => ({
    ...process.env,
    REF_ROLE: role,
    REF_DATABASE_URL: refDbUrl,
    REF_PORT: String(REF_PORT),
    REF_STATIC_DIR: pages,
    REF_BASE_URL: `http://127.0.0.1:${REF_PORT}`,
    SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    WORKER_CONCURRENCY: '10',
  });
  const spawnRef = (role: 'web' | 'worker') =>
    spawn(process.execPath, ['--import', 'tsx', REF_JOURNEY_ENTRY], {
      cwd: ROOT,
      env: refEnv(role),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const web = spawnRef('web');
  const worker = spawnRef('worker');
  try {
    await waitHttp(`http://127.0.0.1:${REF_PORT}/letters/x.json`);
    await refWorkerReady();
    await journeyLadder('ref', 'reference (1 web + 1 worker)', `http://127.0.0.1:${REF_PORT}`, sink, [
      ['web', web],
      ['worker', worker],
    ]);
  } finally {
    await stop(web);
    await stop(worker);
  }
}

function journeyReport(): string {
  if (!journeySides.length) return '';
  const perPerson = (x: number | null, people: number) => (x === null ? null : (x * 1000) / people);
  const ms = (x: number | null) => (x === null ? '?' : `${x.toFixed(2)} ms`);
  const cpuLines = journeySides.flatMap((side) =>
    side.runs.map((r) => {
      const n = r.figures.people;
      const own = r.procs.reduce((s, [, x]) => s + (x ?? 0), 0);
      return (
        `${side.label}, ${r.figures.rate}/s: CPU per person ${r.procs.map(([name, x]) => `${name} ${ms(perPerson(x, n))}`).join(', ')}` +
        `${r.procs.length > 1 ? ` (together ${ms(perPerson(own, n))})` : ''}, PostgreSQL ${ms(perPerson(r.pgBackends, n))} ` +
        `(its database's backends; the whole server's processes ${ms(perPerson(r.pgAll, n))}), load generator and SMTP sink ${ms(perPerson(r.self, n))}; ` +
        `${r.figures.confirmed} of ${n} confirmed; ${r.wall.toFixed(0)} s`
      );
    }),
  );
  const [app, ref] = journeySides;
  const out: string[] = [];
  out.push(
    `\nReference journey (the viral day's journey, open loop, ${JOURNEY_SECONDS} s per rate, rates climbed from ${JOURNEY_START}/s on the ladder ${JOURNEY_LADDER.join(', ')}; ` +
      `the app in its default production layout, one ROLE=all process, against bench/reference-journey.ts: one web process and one worker; ` +
      `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; load average ${journeySides.map((s) => `${s.load} after the ${s.label.split(' ')[0]}`).join(', ')})\n`,
  );
  out.push(viralTable(journeySides.flatMap((s) => s.runs.map((r) => ({ setup: s.label, figures: r.figures })))));
  out.push('');
  for (const line of cpuLines) out.push(`- ${line}`);
  if (app && ref) {
    const a = app.ladder.best ?? 0;
    const r = ref.ladder.best;
    const lower = ref.ladder.missedAbove === null;
    let verdict: string;
    if (r === null) verdict = 'no comparison (the reference met no rate)';
    else if (a * 2 < r) verdict = 'missed';
    else verdict = lower ? 'not decided (the reference may go higher)' : 'met';
    out.push(
      `- highest rate meeting every target: app ${ladderWords(app.ladder)}; reference ${ladderWords(ref.ladder)}; ` +
        `app/reference ${r ? `${lower ? '≤ ' : ''}${((a / r) * 100).toFixed(0)}%` : '–'} (target ≥ 50%: ${verdict})`,
    );
    // Per person is only a person's whole journey where everyone signed, was mailed and confirmed:
    // the comparison is made at the highest rate both sides ran where that held for both (the
    // first rung if there is none, and said so).
    const complete = (x: JourneyRun) => x.figures.confirmed === x.figures.people && x.figures.lost === 0;
    const common = app.runs
      .filter((x) => complete(x) && ref.runs.some((y) => y.figures.rate === x.figures.rate && complete(y)))
      .map((x) => x.figures.rate);
    const rate = common.length ? Math.max(...common) : JOURNEY_START;
    const ar = app.runs.find((x) => x.figures.rate === rate);
    const rr = ref.runs.find((x) => x.figures.rate === rate);
    if (ar && rr) {
      const cpu = (x: JourneyRun) => x.procs.reduce((sum, [, c]) => sum + (c ?? 0), 0) / x.figures.people;
      const times = (p: number, q: number) => (q > 0 ? `${(p / q).toFixed(2)}×` : '–');
      const ok = (p: number, q: number) => (q > 0 && p / q <= 1.5 ? 'met' : 'missed');
      const aw = cpu(ar);
      const rw = cpu(rr);
      const ap = ar.pgBackends / ar.figures.people;
      const rp = rr.pgBackends / rr.figures.people;
      const caveat = common.length
        ? 'the highest rate both ran with everyone confirmed'
        : `no rate ran by both had everyone confirmed: app ${ar.figures.confirmed} of ${ar.figures.people}, reference ${rr.figures.confirmed} of ${rr.figures.people}, so these are not whole journeys`;
      out.push(
        `- CPU per person at ${rate}/s (${caveat}): web + worker, app ${ms(aw * 1000)} against reference ${ms(rw * 1000)}: ${times(aw, rw)} (target ≤ 1.5×: ${ok(aw, rw)}); ` +
          `PostgreSQL (each database's backends), app ${ms(ap * 1000)} against reference ${ms(rp * 1000)}: ${times(ap, rp)} (target ≤ 1.5×: ${ok(ap, rp)})`,
      );
      // The same at the other rates both ran whole (a side past its capacity, or a reference whose
      // fixed costs spread over more people, moves the ratio with the rate: each is printed).
      for (const other of [...common].sort((x, y) => y - x)) {
        const ao = app.runs.find((x) => x.figures.rate === other);
        const ro = ref.runs.find((x) => x.figures.rate === other);
        if (other === rate || !ao || !ro) continue;
        const met =
          meetsTargets(ao.figures) && meetsTargets(ro.figures) ? 'both met every target' : 'not both met every target';
        out.push(
          `- the same at ${other}/s (${met}): web + worker ${ms(cpu(ao) * 1000)} against ${ms(cpu(ro) * 1000)}: ${times(cpu(ao), cpu(ro))}; ` +
            `PostgreSQL ${ms((ao.pgBackends / ao.figures.people) * 1000)} against ${ms((ro.pgBackends / ro.figures.people) * 1000)}: ${times(ao.pgBackends / ao.figures.people, ro.pgBackends / ro.figures.people)}`,
        );
      }
      if (journeyStatementsNote) out.push(`- ${journeyStatementsNote}`);
      else
        for (const [side, run] of [
          [app, ar],
          [ref, rr],
        ] as const) {
          if (!run.statements) continue;
          out.push(
            `- statements per person, ${side.label}, at ${rate}/s (pg_stat_statements of its database, reset before the run; calls per person, by statement):`,
          );
          for (const line of statementsPerPerson(run.statements, run.figures.people)) out.push(`    ${line}`);
          if (run.evicted)
            out.push(
              `    (pg_stat_statements evicted entries ${run.evicted} times during the run: the server's table, pg_stat_statements.max, was full of other work's statements, so some counts above are short)`,
            );
        }
    }
  }
  return `${out.join('\n')}\n`;
}

/** /usr/bin/time -v prints its report on stderr: wall time and peak RSS of the child. */
function timed(cmd: string, args: string[], env: Record<string, string> = {}): { seconds: number; rssMb: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const seconds = (performance.now() - t0) / 1000;
  const text = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${text.slice(-2000)}`);
  const kb = Number(text.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1] ?? 0);
  return { seconds, rssMb: kb / 1024 };
}

function exportStage(letterId: string): void {
  log(`export of ${EXPORT_ROWS.toLocaleString('en-US')} signatures`);
  const out = path.join(TMP, 'export.csv');
  const copyOut = path.join(TMP, 'copy.csv');
  const select = `SELECT full_name, email, country, city, organisation, signed_as, confirmed_at, source FROM signatures WHERE letter_id = '${letterId}' AND status = 'confirmed' ORDER BY confirmed_at, id`;
  // The export command when it exists (compiled with the app), else the pieces: cursor → CSV writer.
  const cli = path.join(ROOT, 'dist/src/app/cli/export.js');
  const runners: Array<{ label: string; run: () => { seconds: number; rssMb: number } }> = [];
  if (fs.existsSync(cli)) {
    runners.push({
      label: 'export command',
      run: () =>
        timed(
          process.execPath,
          [...EXPORT_NODE_FLAGS, cli, 'bench-export', '--format', 'csv', '--include-email', '--out', out],
          appEnv('worker'),
        ),
    });
  }
  runners.push({
    label: 'cursor → CSV writer',
    run: () => timed(process.execPath, ['--import', 'tsx', 'bench/export-child.ts', dbUrl, letterId, out]),
  });
  const copy: Array<{ seconds: number; rssMb: number }> = [];
  const results = runners.map(() => [] as Array<{ seconds: number; rssMb: number }>);
  for (let run = 0; run <= RUNS; run++) {
    runners.forEach((r, i) => {
      try {
        const m = r.run();
        if (run > 0) results[i].push(m);
      } catch (e) {
        if (run === 0) notes.push(`${r.label} failed: ${(e as Error).message.split('\n').slice(-3).join(' ')}`);
      }
    });
    const c = timed('psql', [dbUrl, '-q', '-c', `\\copy (${select}) to '${copyOut}' csv header`]);
    if (run > 0) copy.push(c);
  }
  const rows_ = EXPORT_ROWS.toLocaleString('en-US');
  runners.forEach((r, i) => {
    const got = results[i];
    if (!got.length) return;
    const label = `Export ${rows_} rows to CSV (${r.label})`;
    row(`${label}: time`, 's', '', false).app[0] = median(got.map((x) => x.seconds));
    row(`${label}: time`, 's').ref[0] = median(copy.map((x) => x.seconds));
    row(`${label}: peak RSS`, 'MB', 'constant memory', false).app[0] = median(got.map((x) => x.rssMb));
    row(`${label}: peak RSS`, 'MB').ref[0] = median(copy.map((x) => x.rssMb));
  });
  notes.push(
    `export: "export command" is \`npm run export:prod -- bench-export --format csv --include-email --out FILE\` (node --max-semi-space-size=2 dist/src/app/cli/export.js); "cursor → CSV writer" is bench/export-child.ts (DECLARE/FETCH 10000 → src/features/exports/writers/csv.writer.ts); reference: psql \\copy (same rows, same order) to a file; time is wall time of the child process, RSS its peak (/usr/bin/time -v)`,
  );
  notes.push(
    `export files: last ours ${(fs.statSync(out).size / 1e6).toFixed(0)} MB, COPY ${(fs.statSync(copyOut).size / 1e6).toFixed(0)} MB`,
  );
}

/** The 100,000-signature letter, and its page and JSON as the reference's static files. */
async function loadBigLetter(): Promise<void> {
  const big = await createLetter('bench-big');
  log(`loading ${BIG_LETTER_ROWS.toLocaleString('en-US')} verified signatures`);
  await addConfirmed(big, BIG_LETTER_ROWS, 'big');

  // The reference serves the app's own bytes for the letter page and its JSON.
  const snap = startCluster(DIST_MAIN, 1, appEnv('web'));
  await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
  fs.writeFileSync(
    path.join(TMP, 'letter.html'),
    Buffer.from(await (await fetch(`http://127.0.0.1:${APP_PORT}/letters/bench-big`)).arrayBuffer()),
  );
  fs.writeFileSync(
    path.join(TMP, 'letter.json'),
    Buffer.from(await (await fetch(`http://127.0.0.1:${APP_PORT}/letters/bench-big.json`)).arrayBuffer()),
  );
  await stop(snap);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  await sql(ADMIN_URL, `CREATE DATABASE "${DB_NAME}"`);
  const sink = new Sink();
  await sink.start();
  try {
    log('compiling (npm run build)');
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      throw new Error(`npm run build failed:\n${String((e as { stdout?: Buffer }).stdout ?? '')}`, { cause: e });
    }
    if (!fs.existsSync(DIST_MAIN)) throw new Error('the build did not produce dist/src/app/main.js');

    // One start-up migrates the database.
    const first = startCluster(DIST_MAIN, 1, appEnv('web'));
    await waitHttp(`http://127.0.0.1:${APP_PORT}/`);
    await stop(first);
    await sql(
      dbUrl,
      `CREATE TABLE bench_reference (id bigserial PRIMARY KEY, email text NOT NULL, full_name text NOT NULL, confirmed boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now())`,
    );
    const signLetter = await createLetter('bench-sign');
    // A letter in challenge mode (an owner's switch), for the challenge line.
    const challengeLetter = await createLetter('bench-challenge');
    await sql(dbUrl, `INSERT INTO letter_challenge_modes (letter_id, active, cause) VALUES ($1, true, 'owner')`, [
      challengeLetter,
    ]);
    // The list and the journey alone need neither the 100,000-signature letter nor its snapshot.
    if (ONLY !== 'list' && ONLY !== 'journey') await loadBigLetter();

    if (LIST_LETTER_ROWS < 1_000_000)
      notes.push(
        `list: ${QUICK ? 'BENCH_QUICK=1 ' : ''}loads ${LIST_LETTER_ROWS.toLocaleString('en-US')} signatures for the list, not the 1,000,000 its targets are set for`,
      );
    if (ONLY === 'list') {
      await loadListLetter();
      await listStage(1, 0);
      await listStage(2, 1);
    } else if (ONLY === 'viral') {
      await viralStage(sink, 'split');
      await viralStage(sink, 'combined');
      await viralStage(sink, 'cluster');
    } else if (ONLY === 'journey') {
      await journeyStage(sink);
    } else {
      await webStage(1, 0, TMP);
      await webStage(2, 1, TMP);
      const [pending] = await sql<{ n: string }>(
        dbUrl,
        `SELECT count(*) AS n FROM signatures WHERE status = 'pending'`,
      );
      emailBatch = Math.min(EMAILS, Math.floor(Number(pending?.n) / (2 * RUNS)));
      notes.push(
        `emails: ${emailBatch.toLocaleString('en-US')} per run (jobs enqueued at once for distinct pending signatures)`,
      );
      sink.collect = true;
      await emailStage(sink, 1, 0);
      await emailStage(sink, 2, 1);
      sink.collect = false;
      log(`${sink.tokens.length} confirmation links collected`);
      // No ANALYZE: the stages above wrote tens of thousands of tokens and signatures within a
      // minute, faster than autovacuum refreshes the statistics, as a viral day does; confirming's
      // plan must not depend on them (CONFIRM_SIGNATURE_SQL).
      // Each link is used once: warm-up (a fifth) + 3 runs, for 1 and 2 processes, + one per connection.
      confirmAmount = Math.min(CONFIRMS, Math.floor((sink.tokens.length - 2 * CONNECTIONS) / (2 * (RUNS + 0.2))));
      notes.push(`confirming: ${confirmAmount.toLocaleString('en-US')} requests per run, each a distinct emailed link`);
      await confirmStage(sink, 1, 0, signLetter);
      await confirmStage(sink, 2, 1, signLetter);
      await viralStage(sink, 'split');
      await viralStage(sink, 'combined');
      await viralStage(sink, 'cluster');
      await journeyStage(sink);
      // Loaded last: a million more rows in the signatures table (and the vacuum they call for)
      // would weigh on the lines above, which measure other things.
      const exportLetter = await createLetter('bench-export');
      log(`loading ${EXPORT_ROWS.toLocaleString('en-US')} signatures for the export`);
      await addConfirmed(exportLetter, EXPORT_ROWS, 'export');
      exportStage(exportLetter);
      // And a million more for the list, last for the same reason.
      await loadListLetter();
      await listStage(1, 0);
      await listStage(2, 1);
    }
  } finally {
    await sink.stop();
    // BENCH_KEEP_DB=1 keeps the database for a look afterwards.
    if (process.env.BENCH_KEEP_DB !== '1')
      for (const name of [DB_NAME, REF_DB_NAME])
        await sql(ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    else log(`databases kept: ${DB_NAME}, ${REF_DB_NAME}`);
    fs.rmSync(TMP, { recursive: true, force: true });
  }

  const cpu = os.cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const mode = QUICK ? 'BENCH_QUICK=1' : 'full';
  process.stdout.write(
    `\nUndersigned benchmark (${mode}; ${RUNS} runs after a warm-up, medians; ${CONNECTIONS} connections; ${machine})\n\n${printTable()}\n\n${notes
      .map((n) => `- ${n}`)
      .join('\n')}\n${viralReport()}${journeyReport()}\n- total time ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
