import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  createDatabase,
  createLetter,
  HIGH_LIMITS,
  inParallel,
  ROOT,
  sleep,
  SLUG,
  until,
  type TestDatabase,
} from '../faults/harness';
import { PgBouncer } from '../faults/pgbouncer';
import { createHost, createNetwork, leftovers, removeAll, type Host } from './network';

/**
 * The production topology of README's "Running in production", across a real network: hosts on
 * Linux network namespaces joined by veth pairs; in the root namespace HAProxy (the load
 * balancer, health-checking /readyz) and PgBouncer (the database host's pooler in front of the
 * machine's PostgreSQL): transaction mode for the web processes, session mode for the worker's
 * own sessions (DATABASE_DIRECT_URL); two app hosts running the compiled app as web processes, a
 * worker host, an SMTP host. Each person connects to HAProxy from an address of their own
 * (127.1.x.y), which HAProxy forwards in X-Forwarded-For to apps that trust it.
 */

const HAPROXY_PORT = 8470;
const APP_PORT = 3000;
const FLOOD = 6;
const CACHE_SECONDS = 1;

// ---------------------------------------------------------------------------------------------
// Processes on hosts

class HostProcess {
  readonly output: string[] = [];
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(host: Host | null, command: string[], env: Record<string, string> = {}) {
    const [cmd, ...args] = host ? ['ip', 'netns', 'exec', host.name, ...command] : command;
    this.child = spawn(cmd, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 300) this.output.shift();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// A person's browser: its own address, cookies carried by hand

interface Answer {
  status: number;
  text: string;
  servedBy: string;
  cookie: string;
}

let people = 0;
/** An address of its own for each person (127.0.0.0/8 is all loopback). */
function nextAddress(): string {
  people++;
  return `127.1.${Math.floor(people / 250)}.${(people % 250) + 1}`;
}

function call(
  method: 'GET' | 'POST',
  urlPath: string,
  opts: { from: string; cookie?: string; form?: Record<string, string>; host?: string; port?: number },
): Promise<Answer> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? HAPROXY_PORT,
        localAddress: opts.host ? undefined : opts.from,
        method,
        path: urlPath,
        agent: false,
        timeout: 20_000,
        headers: {
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
          ...(body
            ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            servedBy: String(res.headers['x-served-by'] ?? ''),
            cookie: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; '),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One request, tried again (as a browser's user would) after a 5xx or a lost connection. */
async function retried(failures: number[], attempt: () => Promise<Answer>, tries = 20): Promise<Answer> {
  for (let i = 1; ; i++) {
    let answer: Answer | null = null;
    try {
      answer = await attempt();
    } catch {
      failures.push(0);
    }
    if (answer && answer.status < 500) return answer;
    if (answer) failures.push(answer.status);
    if (i >= tries) throw new Error(`still failing after ${tries} tries: ${answer?.status ?? 'no answer'}`);
    await sleep(250);
  }
}

interface Signed {
  email: string;
  from: string;
  page: Answer;
  post: Answer;
}

function signForm(csrf: string, email: string): Record<string, string> {
  return {
    _csrf: csrf,
    fullName: 'Олена Ковальчук',
    email,
    country: 'UA',
    city: 'Київ',
    organisation: '',
    signedAs: 'individual',
    visibility: 'public',
  };
}

/** Opens the letter page and signs from it; `failures` collects every 5xx and lost connection. */
async function signAs(email: string, failures: number[] = [], from = nextAddress()): Promise<Signed> {
  const page = await retried(failures, () => call('GET', `/letters/${SLUG}`, { from }));
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`letter page answered ${page.status}`);
  const post = await retried(failures, () =>
    call('POST', `/letters/${SLUG}/sign`, { from, cookie: page.cookie, form: signForm(csrf, email) }),
  );
  return { email, from, page, post };
}

// ---------------------------------------------------------------------------------------------
// The cluster

let db: TestDatabase;
let hosts: { app1: Host; app2: Host; worker: Host; smtp: Host };
let txBouncer: PgBouncer;
let sessionBouncer: PgBouncer;
let haproxy: HostProcess | null = null;
let smtpHost: HostProcess | null = null;
let worker: HostProcess | null = null;
const apps: Array<HostProcess | null> = [null, null];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'undersigned-cluster-'));

function appEnv(host: Host): Record<string, string> {
  return {
    NODE_ENV: 'production',
    ROLE: 'web',
    PORT: String(APP_PORT),
    HOST: '0.0.0.0',
    DATABASE_URL: txBouncer.urlOf(db.name, host.gateway),
    DATABASE_TRANSACTION_POOLING: 'true',
    SMTP_URL: `smtp://${hosts.smtp.address}:25`,
    BASE_URL: `http://127.0.0.1:${HAPROXY_PORT}`,
    SESSION_SECRET: 'cluster-secret-cluster-secret-cluster',
    // HAProxy, as this host sees it: the only address whose X-Forwarded-For is believed.
    TRUST_PROXY: host.gateway,
    LOG_LEVEL: 'warn',
    LETTER_PAGE_CACHE_SECONDS: String(CACHE_SECONDS),
    ...HIGH_LIMITS,
    FLOOD_LIMIT_PER_IP_PER_MINUTE: String(FLOOD),
  };
}

/** Starts the web process on app host `i` (0 or 1) from `build` and waits until it answers. */
async function startApp(i: 0 | 1, build = 'dist'): Promise<void> {
  const host = i === 0 ? hosts.app1 : hosts.app2;
  const p = new HostProcess(host, [process.execPath, `${build}/src/app/main.js`], appEnv(host));
  apps[i] = p;
  await until(
    `app host ${i + 1}`,
    async () => {
      if (!p.alive) throw new Error(`exited:\n${p.output.join('')}`);
      return (await call('GET', '/readyz', { from: '', host: host.address, port: APP_PORT })).status === 200;
    },
    90_000,
    200,
  );
}

/** Until HAProxy has sent a request to each of the two hosts (both are in rotation). */
async function bothInRotation(): Promise<void> {
  const seen = new Set<string>();
  await until(
    'both app hosts in HAProxy',
    async () => {
      seen.add((await call('GET', '/readyz', { from: '127.1.255.1' })).servedBy);
      return seen.has('app1') && seen.has('app2');
    },
    30_000,
    100,
  );
}

function haproxyConfig(): string {
  return [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    // A request that could not reach a host (refused, or the connection dropped before any
    // answer) goes to the other one; a POST only when it never reached a host: HAProxy never
    // sends a form twice (the person's browser may, and signing is idempotent per address).
    '  retries 3',
    '  option redispatch',
    '  retry-on conn-failure empty-response',
    '  option http-server-close',
    'frontend site',
    `  bind 127.0.0.1:${HAPROXY_PORT}`,
    '  option forwardfor',
    '  http-request set-header X-Forwarded-Proto http',
    '  http-request disable-l7-retry if METH_POST',
    '  default_backend apps',
    'backend apps',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  http-response set-header X-Served-By %[srv_name]',
    `  server app1 ${hosts.app1.address}:${APP_PORT} check inter 500 fall 2 rise 2`,
    `  server app2 ${hosts.app2.address}:${APP_PORT} check inter 500 fall 2 rise 2`,
    '',
  ].join('\n');
}

interface Message {
  to: string;
  text: string;
}

async function messages(): Promise<Message[]> {
  const res = await call('GET', '/', { from: '', host: hosts.smtp.address, port: 8025 });
  return JSON.parse(res.text) as Message[];
}

async function emailsTo(addresses: string[], withinMs = 60_000): Promise<Map<string, Message[]>> {
  let byTo = new Map<string, Message[]>();
  await until(
    `emails to ${addresses.length} people`,
    async () => {
      byTo = new Map();
      for (const m of await messages()) byTo.set(m.to, [...(byTo.get(m.to) ?? []), m]);
      return addresses.every((a) => byTo.has(a));
    },
    withinMs,
    250,
  );
  return byTo;
}

/** Opens the emailed link and presses its button, as the person (from their address). */
async function confirm(message: Message, from: string, failures: number[] = []): Promise<Answer> {
  const link = message.text.match(/https?:\/\/\S+\/s\/confirm\/[A-Za-z0-9_-]+/)?.[0];
  if (!link) throw new Error('no confirmation link');
  const page = await retried(failures, () => call('GET', new URL(link).pathname, { from }));
  const form = [...page.text.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].find(
    ([, action]) => !/\/not-me(\?|$)/.test(action.replace(/&amp;/g, '&')),
  );
  const csrf = form && /name="_csrf" value="([^"]+)"/.exec(form[2])?.[1];
  if (!form || !csrf) throw new Error(`no confirmation form (${page.status})`);
  return retried(failures, () =>
    call('POST', form[1].replace(/&amp;/g, '&'), { from, cookie: page.cookie, form: { _csrf: csrf } }),
  );
}

async function publicCount(): Promise<number> {
  const res = await call('GET', `/letters/${SLUG}.json`, { from: '127.1.255.2' });
  return (JSON.parse(res.text) as { signatureCount: number }).signatureCount;
}

async function confirmedRows(): Promise<number> {
  const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM signatures WHERE status = 'confirmed'`);
  return Number(row?.n);
}

/** After confirmations, the public count equals the confirmed rows within the JSON's cache. */
async function countIsExact(): Promise<void> {
  const rows = await confirmedRows();
  await until('the public count to be exact', async () => (await publicCount()) === rows, 5_000, 100);
}

async function rowsPerEmail(emails: string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ email_normalised: string; n: string }>(
    `SELECT email_normalised, count(*) AS n FROM signatures WHERE email_normalised = ANY($1) GROUP BY email_normalised`,
    [emails],
  );
  return new Map(rows.map((r) => [r.email_normalised, Number(r.n)]));
}

/** Every person signs (retrying after failures), gets the email, confirms; the count is exact. */
async function journeyOfMany(prefix: string, n: number, during?: () => Promise<void>): Promise<number[]> {
  const failures: number[] = [];
  const emails = Array.from({ length: n }, (_, i) => `${prefix}-${i}@example.org`);
  const from = new Map(emails.map((e) => [e, nextAddress()]));
  const load = inParallel(emails, 6, (email) => signAs(email, failures, from.get(email)));
  if (during) await during();
  const signed = await load;
  expect(signed.map((s) => s.post.status)).toEqual(emails.map(() => 303));
  const perEmail = await rowsPerEmail(emails);
  expect(emails.filter((e) => perEmail.get(e) !== 1)).toEqual([]);
  const mail = await emailsTo(emails, 90_000);
  const confirmed = await inParallel(emails, 6, (email) => confirm(mail.get(email)![0], from.get(email)!, failures));
  expect(confirmed.map((c) => c.status)).toEqual(emails.map(() => 200));
  await countIsExact();
  return failures;
}

beforeAll(async () => {
  removeAll(); // what a stopped run left behind
  process.on('exit', removeAll);
  createNetwork();
  hosts = {
    app1: createHost('app1', 1),
    app2: createHost('app2', 2),
    worker: createHost('worker', 3),
    smtp: createHost('smtp', 4),
  };
  db = await createDatabase('cluster');
  txBouncer = await new PgBouncer({ listenAddr: '*', port: 6451, poolMode: 'transaction', poolSize: 10 }).start();
  sessionBouncer = await new PgBouncer({ listenAddr: '*', port: 6452, poolMode: 'session', poolSize: 20 }).start();
  smtpHost = new HostProcess(hosts.smtp, [process.execPath, '--import', 'tsx', 'tests/cluster/smtp-host.ts']);
  await until('the SMTP host', async () => Array.isArray(await messages()), 30_000, 200);
  fs.writeFileSync(path.join(tmp, 'haproxy.cfg'), haproxyConfig());
  haproxy = new HostProcess(null, [
    fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy',
    '-db',
    '-f',
    path.join(tmp, 'haproxy.cfg'),
  ]);
  // Both at once: one migrates under the lock (through PgBouncer), the other waits for it.
  await Promise.all([startApp(0), startApp(1)]);
  await createLetter(db);
  worker = new HostProcess(hosts.worker, [process.execPath, 'dist/src/app/main.js'], {
    ...appEnv(hosts.worker),
    ROLE: 'worker',
    PORT: String(APP_PORT),
    DATABASE_DIRECT_URL: sessionBouncer.urlOf(db.name, hosts.worker.gateway),
    LOG_LEVEL: 'info',
  });
  await until('the worker', async () => {
    if (!worker!.alive) throw new Error(`worker exited:\n${worker!.output.join('')}`);
    const [row] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'undersigned-worker-presence'`,
      [db.name],
    );
    return Number(row?.n) > 0;
  });
  await bothInRotation();
});

afterAll(async () => {
  for (const p of [...apps, worker, haproxy, smtpHost]) await p?.stop();
  await txBouncer?.dispose();
  await sessionBouncer?.dispose();
  removeAll();
  fs.rmSync(tmp, { recursive: true, force: true });
  await db?.drop();
  const left = leftovers();
  if (left.length) throw new Error(`left behind: ${left.join(', ')}`);
});

test('the signing journey through HAProxy: the page from one host, the POST taken by the other', async () => {
  let signed: Signed | null = null;
  for (let i = 0; i < 10 && !signed; i++) {
    const s = await signAs(`journey-${i}@example.org`);
    if (s.page.servedBy !== s.post.servedBy) signed = s;
  }
  expect(signed).not.toBeNull();
  expect(signed!.post.status).toBe(303);
  expect(new Set([signed!.page.servedBy, signed!.post.servedBy])).toEqual(new Set(['app1', 'app2']));
  const mail = await emailsTo([signed!.email]);
  const before = await publicCount();
  const confirmed = await confirm(mail.get(signed!.email)![0], signed!.from);
  expect(confirmed.status).toBe(200);
  const started = Date.now();
  await until('the count to include the signature', async () => (await publicCount()) === before + 1, 5_000, 50);
  process.stdout.write(
    `[cluster] journey: count exact ${((Date.now() - started) / 1000).toFixed(2)} s after confirming\n`,
  );
  await countIsExact();
});

test('a flood split across both hosts is limited as if it hit one', async () => {
  const from = nextAddress();
  const page = await call('GET', `/letters/${SLUG}`, { from });
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
  const answers: Answer[] = [];
  for (let i = 0; i < FLOOD + 4; i++)
    answers.push(
      await call('POST', `/letters/${SLUG}/sign`, {
        from,
        cookie: page.cookie,
        form: signForm(csrf, `flood-${i}@example.org`),
      }),
    );
  expect(new Set(answers.map((a) => a.servedBy))).toEqual(new Set(['app1', 'app2']));
  expect(answers.filter((a) => a.status === 303)).toHaveLength(FLOOD);
  expect(answers.filter((a) => a.status === 429)).toHaveLength(4);
});

test('an app host killed under load: HAProxy takes it out, retries succeed, nothing lost or counted twice', async () => {
  const failures = await journeyOfMany('killed', 60, async () => {
    await sleep(1500);
    apps[0]!.kill('SIGKILL');
  });
  process.stdout.write(
    `[cluster] host killed: ${failures.length} failed request(s) retried (${failures.join(', ')})\n`,
  );
  await apps[0]!.exited;
  await startApp(0);
  await bothInRotation();
});

test('a rolling restart, the first host applying a new migration under the lock: no failed request', async () => {
  // The next version: the same build with one more migration.
  const next = path.join(ROOT, 'dist/next');
  fs.rmSync(next, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, 'dist/src'), path.join(next, 'src'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist/migrations'), path.join(next, 'migrations'), { recursive: true });
  fs.writeFileSync(
    path.join(next, 'migrations/9999999999999-ClusterNext.js'),
    `exports.ClusterNext9999999999999 = class ClusterNext9999999999999 {
       name = 'ClusterNext9999999999999';
       async up(q) { await q.query('CREATE TABLE cluster_next (id int)'); }
       async down(q) { await q.query('DROP TABLE cluster_next'); }
     };\n`,
  );
  fs.appendFileSync(
    path.join(next, 'migrations/index.js'),
    `\nexports.migrations.push(require('./9999999999999-ClusterNext').ClusterNext9999999999999);\n`,
  );
  const statuses: number[] = [];
  let loading = true;
  const load = (async () => {
    for (let i = 0; loading; i++) {
      const s = await signAs(`rolling-${i}@example.org`, statuses);
      statuses.push(s.page.status, s.post.status);
    }
  })();
  for (const i of [0, 1] as const) {
    await apps[i]!.stop(); // SIGTERM: the host drains; HAProxy sends new requests to the other
    await startApp(i, 'dist/next');
    await bothInRotation();
  }
  loading = false;
  await load;
  expect(statuses.length).toBeGreaterThan(10);
  expect(statuses.filter((s) => s >= 500 || s === 0)).toEqual([]);
  const applied = await db.query(`SELECT name FROM migrations WHERE name = 'ClusterNext9999999999999'`);
  expect(applied).toHaveLength(1);
});

test('PgBouncer restarted under load: the app and the worker recover without a restart, nothing lost', async () => {
  const failures = await journeyOfMany('bouncer', 60, async () => {
    await sleep(1500);
    await Promise.all([txBouncer.stop(), sessionBouncer.stop()]);
    await sleep(1000);
    await Promise.all([txBouncer.start(), sessionBouncer.start()]);
  });
  process.stdout.write(`[cluster] PgBouncer restart: ${failures.length} failed request(s) retried\n`);
  expect(apps.every((a) => a!.alive)).toBe(true);
  expect(worker!.alive).toBe(true);
  await until('no job to stay locked', async () => {
    const [row] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL AND locked_at < now() - interval '10 seconds'`,
    );
    return Number(row?.n) === 0;
  });
});

test('a letter changed is shown by both hosts within the page cache time', async () => {
  await db.query(`UPDATE letter_translations SET title = 'A letter, amended' WHERE language = 'en'`);
  const changed = Date.now();
  const seenAfter = await Promise.all(
    [hosts.app1, hosts.app2].map(async (host) => {
      await until(
        `${host.name} to show the change`,
        async () =>
          (await call('GET', `/letters/${SLUG}`, { from: '', host: host.address, port: APP_PORT })).text.includes(
            'A letter, amended',
          ),
        (CACHE_SECONDS + 2) * 1000,
        50,
      );
      return Date.now() - changed;
    }),
  );
  process.stdout.write(`[cluster] letter change seen after ${seenAfter.map((ms) => `${ms} ms`).join(' and ')}\n`);
  for (const ms of seenAfter) expect(ms).toBeLessThanOrEqual((CACHE_SECONDS + 1) * 1000);
});
