import fs from 'node:fs';
import { Client } from 'pg';

/**
 * Pieces of the journey comparison (bench/run.ts's journey stage, bench/README.md "The reference
 * journey"): CPU read from /proc, the CPU of one database's PostgreSQL backends, the ladder of
 * rates, and statements per person from pg_stat_statements.
 */

/** CPU seconds (user + system, every thread) a process has used so far, from /proc (Linux); null elsewhere. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields 14 and 15 (utime, stime) come after the command name in parentheses.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 per second on Linux
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a process and of the processes it started (WEB_PROCESSES: the web processes and
 * workers of one command), from /proc; null elsewhere.
 */
export function treeCpuSeconds(pid: number | undefined): number | null {
  const own = cpuSeconds(pid);
  if (own === null) return null;
  let total = own;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[1]) === pid) total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * CPU of the PostgreSQL backends connected to some databases, over a run: the server's other
 * work (other databases, other clients of a shared machine) is left out. Backends are listed from
 * pg_stat_activity every 250 ms and each one's CPU read from /proc; a backend that exits during
 * the run counts up to its last reading (so up to 250 ms of its work may be missed). Shared
 * background processes (WAL writer, checkpointer) are not counted.
 */
export class BackendCpu {
  private readonly seen = new Map<number, { first: number; last: number }>();
  private timer: NodeJS.Timeout | null = null;
  private client: Client | null = null;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly adminUrl: string,
    private readonly databases: string[],
  ) {}

  private async sample(initial: boolean): Promise<void> {
    if (!this.client) return;
    const { rows } = await this.client.query<{ pid: number }>(
      '/* bench */ SELECT pid FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()',
      [this.databases],
    );
    for (const { pid } of rows) {
      const now = cpuSeconds(pid);
      if (now === null) continue;
      const s = this.seen.get(pid);
      // A backend first seen after the start began during the run: all its CPU is the run's.
      if (s) s.last = now;
      else this.seen.set(pid, { first: initial ? now : 0, last: now });
    }
  }

  async start(): Promise<void> {
    this.client = new Client({ connectionString: this.adminUrl });
    await this.client.connect();
    await this.sample(true);
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample(false)).catch(() => undefined);
    }, 250);
  }

  /** CPU seconds of the databases' backends since start(). */
  async stop(): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
    await this.sample(false).catch(() => undefined);
    await this.client?.end();
    this.client = null;
    let total = 0;
    for (const s of this.seen.values()) total += Math.max(0, s.last - s.first);
    return total;
  }
}

export interface LadderResult {
  /** Every run, in the order run. */
  tried: Array<{ rate: number; met: boolean }>;
  /** The highest rate that met every target; null: none did. */
  best: number | null;
  /** The lowest rate above `best` that was tried and missed; null: none was (the ladder or the budget ran out). */
  missedAbove: number | null;
}

/**
 * The highest rate of a ladder that meets the targets: from `start`, one rung up after each run
 * that met them, until one misses; or, when `start` misses, one rung down until one meets them.
 * At most `maxRuns` runs, none begun after `deadline` (performance.now()).
 */
export async function climb(
  ladder: number[],
  start: number,
  maxRuns: number,
  deadline: number,
  run: (rate: number) => Promise<boolean>,
): Promise<LadderResult> {
  const rungs = [...new Set(ladder)].sort((a, b) => a - b);
  let i = rungs.findIndex((r) => r >= start);
  if (i < 0) i = rungs.length - 1;
  const tried: LadderResult['tried'] = [];
  let best: number | null = null;
  let missedAbove: number | null = null;
  const first = await run(rungs[i]);
  tried.push({ rate: rungs[i], met: first });
  const step = first ? 1 : -1;
  if (first) best = rungs[i];
  else missedAbove = rungs[i];
  for (i += step; i >= 0 && i < rungs.length && tried.length < maxRuns && performance.now() < deadline; i += step) {
    const met = await run(rungs[i]);
    tried.push({ rate: rungs[i], met });
    if (first && met) best = rungs[i];
    if (first && !met) {
      missedAbove = rungs[i];
      break;
    }
    if (!first && !met) missedAbove = rungs[i];
    if (!first && met) {
      best = rungs[i];
      break;
    }
  }
  return { tried, best, missedAbove };
}

/** What a ladder found, in words: "400/s (640/s missed)", "≥ 1000/s (the ladder ended)", "none (25/s missed)". */
export function ladderWords(l: LadderResult): string {
  if (l.best === null) return `none met (lowest tried, ${Math.min(...l.tried.map((t) => t.rate))}/s, missed)`;
  return l.missedAbove !== null ? `${l.best}/s (${l.missedAbove}/s missed)` : `≥ ${l.best}/s (no higher rate was run)`;
}

// ---------------------------------------------------------------------------------------------
// Statements per person (pg_stat_statements)

/**
 * Makes pg_stat_statements usable in the database at `url`: null when it is, or the one line to
 * print when it is not (not preloaded, or not installed).
 */
export async function statementsReady(url: string): Promise<string | null> {
  const how =
    "statements per person: pg_stat_statements is not loaded; add shared_preload_libraries = 'pg_stat_statements' to postgresql.conf, restart PostgreSQL and run the bench again (carrying on without the counts)";
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ setting: string }>(
      `/* bench */ SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'`,
    );
    if (!/(^|[\s,])pg_stat_statements($|[\s,])/.test(rows[0]?.setting ?? '')) return how;
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await c.query('/* bench */ SELECT count(*) FROM pg_stat_statements');
    return null;
  } catch (e) {
    return `${how} (${(e as Error).message})`;
  } finally {
    await c.end();
  }
}

/**
 * Forgets the statements of one database (`url` is a database that has the extension), and those
 * of databases that no longer exist (dropped benches and tests): pg_stat_statements keeps
 * `pg_stat_statements.max` entries (5,000 by default) for the whole server and, when full, evicts
 * the least used, whose counts then start again from nothing. Returns the evictions so far.
 */
export async function resetStatements(url: string, database: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `/* bench */ SELECT pg_stat_statements_reset(0, d.dbid, 0)
         FROM (SELECT DISTINCT dbid FROM pg_stat_statements
                WHERE dbid NOT IN (SELECT oid FROM pg_database)
               UNION SELECT oid FROM pg_database WHERE datname = $1) d`,
      [database],
    );
    return await evictions(c);
  } finally {
    await c.end();
  }
}

async function evictions(c: Client): Promise<number> {
  const { rows } = await c.query<{ dealloc: string }>('/* bench */ SELECT dealloc FROM pg_stat_statements_info');
  return Number(rows[0]?.dealloc ?? 0);
}

export interface StatementCount {
  query: string;
  calls: number;
}

/**
 * The statements of one database since its reset, the bench's own (marked `/* bench *\/`) left
 * out, and the evictions so far (more than at the reset: some counts are short).
 */
export async function readStatements(
  url: string,
  database: string,
): Promise<{ counts: StatementCount[]; evictions: number }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ query: string; calls: string }>(
      `/* bench */ SELECT query, calls FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) AND query NOT LIKE '/* bench */%'`,
      [database],
    );
    return { counts: rows.map((r) => ({ query: r.query, calls: Number(r.calls) })), evictions: await evictions(c) };
  } finally {
    await c.end();
  }
}

/** A statement's text on one line: comments dropped, spaces collapsed, cut to `width` characters. */
export function shortStatement(query: string, width = 110): string {
  const one = query
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return one.length > width ? `${one.slice(0, width - 1)}…` : one;
}

/**
 * Statements per person, grouped by their shortened text (statements that differ only after the
 * cut, such as graphile-worker's prepared variants, add up), the `top` most called first, then
 * the rest in one line, then the total.
 */
export function statementsPerPerson(counts: StatementCount[], people: number, top = 12): string[] {
  const groups = new Map<string, number>();
  for (const c of counts) {
    const key = shortStatement(c.query);
    groups.set(key, (groups.get(key) ?? 0) + c.calls);
  }
  const sorted = [...groups].sort((a, b) => b[1] - a[1]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  const per = (n: number) => (n / people).toFixed(2).padStart(6);
  const lines = sorted.slice(0, top).map(([q, n]) => `${per(n)}  ${q}`);
  const rest = sorted.slice(top);
  if (rest.length)
    lines.push(
      `${per(rest.reduce((s, [, n]) => s + n, 0))}  (${rest.length} other statement${rest.length === 1 ? '' : 's'} together)`,
    );
  lines.push(
    `${per(total)}  in all (${total.toLocaleString('en-US')} statements for ${people.toLocaleString('en-US')} people)`,
  );
  return lines;
}
