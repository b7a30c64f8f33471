import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';

/**
 * Fault scenarios drive the real thing: the app as separate processes (the compiled build in
 * production mode), a database of their own on the machine's PostgreSQL, and a real SMTP server
 * in the test process that can refuse connections or answer slowly.
 */
export const ROOT = path.resolve(__dirname, '../..');
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const SLUG = 'faults-letter';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Databases

export interface TestDatabase {
  url: string;
  name: string;
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** A fresh database for one scenario on the server at `adminUrl`. */
export async function createDatabase(tag: string, adminUrl = ADMIN_URL): Promise<TestDatabase> {
  const name = `undersigned_faults_${tag}_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async query<R extends object>(sql: string, params: unknown[] = []) {
      const c = new Client({ connectionString: url.toString() });
      c.on('error', () => undefined);
      await c.connect();
      try {
        return (await c.query<R>(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
    async drop() {
      const a = new Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/** An open letter made with SQL, once the app has migrated the database. */
export async function createLetter(db: TestDatabase, slug = SLUG): Promise<string> {
  const [letter] = await db.query<{ id: string }>(
    `INSERT INTO letters (slug, status, goal) VALUES ($1, 'open', 1000000) RETURNING id`,
    [slug],
  );
  await db.query(
    `INSERT INTO letter_translations (letter_id, language, title, summary, body, recipient)
     VALUES ($1, 'en', 'A letter under test', 'Made by the fault suite.', 'We ask for **justice**.', 'The Minister')`,
    [letter.id],
  );
  return letter.id;
}

// ---------------------------------------------------------------------------------------------
// The app as a child process

/** Limits raised so a scenario's many signers from one machine are neither refused nor held. */
export const HIGH_LIMITS: Record<string, string> = {
  SIGN_LIMIT_PER_IP_PER_HOUR: '1000000',
  SIGN_LIMIT_PER_EMAIL_PER_HOUR: '1000000',
  FLOOD_LIMIT_PER_IP_PER_MINUTE: '1000000',
  SIGN_BURST_PER_IP_PER_MINUTE: '1000000',
  SIGN_BURST_PER_EMAIL_PER_MINUTE: '1000000',
  SIGN_SUSTAINED_PER_EMAIL_PER_HOUR: '1000000',
  SIGN_BURST_PER_DOMAIN_PER_MINUTE: '1000000',
  SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR: '1000000',
};

export interface AppOptions {
  role: 'web' | 'worker' | 'all';
  port: number;
  databaseUrl: string;
  smtpUrl: string;
  env?: Record<string, string>;
}

export class AppProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private child: ChildProcess;

  constructor(readonly opts: AppOptions) {
    // The compiled build (global setup), one process, so a signal reaches the app itself.
    this.child = spawn(process.execPath, ['dist/src/app/main.js'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        NODE_ENV: 'production',
        ROLE: opts.role,
        PORT: String(opts.port),
        HOST: '127.0.0.1',
        DATABASE_URL: opts.databaseUrl,
        SMTP_URL: opts.smtpUrl,
        BASE_URL: `http://127.0.0.1:${opts.port}`,
        SESSION_SECRET: 'faults-secret-faults-secret-faults',
        TRUST_PROXY: 'loopback',
        LOG_LEVEL: 'warn',
        WORKER_CONCURRENCY: '5',
        ...HIGH_LIMITS,
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 400) this.output.shift();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Web: the home page answers. Worker: its presence connection is open in PostgreSQL. */
  async ready(db: TestDatabase, timeoutMs = 60_000): Promise<this> {
    await until(
      `${this.opts.role} process on ${this.opts.port} to start`,
      async () => {
        if (!this.alive) throw new Error(`exited early:\n${this.output.join('')}`);
        if (this.opts.role === 'worker') {
          const rows = await db.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'undersigned-worker-presence'`,
            [db.name],
          );
          return Number(rows[0]?.n) > this.presenceBaseline;
        }
        const res = await fetch(`${this.url}/`);
        return res.status === 200;
      },
      timeoutMs,
      200,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n--- output ---\n${this.output.join('')}`);
    });
    return this;
  }

  /** Workers already present before this one started (ready() waits for one more). */
  presenceBaseline = 0;

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// SMTP

export interface Received {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server: can refuse every connection (a mail server that is down) or answer slowly. */
export class Sink {
  readonly messages: Received[] = [];
  refusing = false;
  delayMs = 0;
  private server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (_s, cb) => (this.refusing ? cb(new Error('421 service not available')) : cb()),
      onData: (stream, _s, cb) => {
        simpleParser(stream)
          .then(async (mail) => {
            if (this.delayMs) await sleep(this.delayMs);
            const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
            this.messages.push({ to: (to ?? '').toLowerCase(), subject: mail.subject ?? '', text: mail.text ?? '' });
            cb();
          })
          .catch(cb);
      },
    });
  }

  async start(port: number): Promise<this> {
    // An app killed mid-message resets its connections (read ECONNRESET): that is the scenario
    // under test, not a failure of the sink, and an 'error' nobody listens to would end the file.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  countTo(address: string): number {
    return this.messages.filter((m) => m.to === address.toLowerCase()).length;
  }

  /** Recipients that got more than one message. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const m of this.messages) seen.set(m.to, (seen.get(m.to) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([to]) => to);
  }

  confirmLink(address: string): string {
    const mail = this.messages.find((m) => m.to === address.toLowerCase());
    const match = mail?.text.match(/https?:\/\/\S+\/s\/confirm\/[A-Za-z0-9_-]+/);
    if (!match) throw new Error(`no confirmation link for ${address}`);
    return match[0];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// A signer: reads the form (CSRF cookie and token), posts it from its own network origin

export interface SignResult {
  status: number;
  body: string;
}

let ipCounter = 0;
/** Distinct documentation-range addresses, sent as X-Forwarded-For through the trusted loopback proxy. */
export function nextIp(): string {
  ipCounter++;
  return `198.18.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export async function readForm(baseUrl: string, ip: string, slug = SLUG): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${baseUrl}/letters/${slug}`, { headers: { 'x-forwarded-for': ip } });
  const html = await res.text();
  if (res.status !== 200) throw new Error(`letter page answered ${res.status}`);
  const csrf = html.match(/name="_csrf" value="([^"]+)"/)?.[1];
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (!csrf || !cookie) throw new Error('no CSRF token or cookie on the letter page');
  return { cookie, csrf };
}

export function signBody(csrf: string, email: string, name = 'Олена Ковальчук'): string {
  return new URLSearchParams({
    _csrf: csrf,
    fullName: name,
    email,
    country: 'UA',
    city: 'Київ',
    organisation: '',
    signedAs: 'individual',
    visibility: 'public',
  }).toString();
}

export async function sign(
  baseUrl: string,
  email: string,
  opts: { ip?: string; slug?: string } = {},
): Promise<SignResult> {
  const ip = opts.ip ?? nextIp();
  const slug = opts.slug ?? SLUG;
  const { cookie, csrf } = await readForm(baseUrl, ip, slug);
  const res = await fetch(`${baseUrl}/letters/${slug}/sign`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': ip },
    body: signBody(csrf, email),
  });
  return { status: res.status, body: await res.text() };
}

export async function publicCount(baseUrl: string, slug = SLUG): Promise<number> {
  const res = await fetch(`${baseUrl}/letters/${slug}.json`);
  const data = (await res.json()) as { signatureCount: number };
  return data.signatureCount;
}

/**
 * Waits until the public count is `expected` and returns it. The public JSON is shared for a
 * second per process (the count may be that old), so a change shows within about a second, never
 * at once; past `withinMs` the last count seen is returned for the test to compare.
 */
export async function publicCountBecomes(
  baseUrl: string,
  expected: number,
  withinMs = 3_000,
  slug = SLUG,
): Promise<number> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const n = await publicCount(baseUrl, slug);
    if (n === expected || Date.now() > deadline) return n;
    await sleep(100);
  }
}

/** A raw HTTP request with a timing, for answers that must come back fast. */
export function timedGet(url: string, timeoutMs: number): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Runs `work` for each item with at most `n` at once. */
export async function inParallel<T, R>(items: T[], n: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}
