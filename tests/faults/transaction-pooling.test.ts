import {
  AppProcess,
  createDatabase,
  createLetter,
  inParallel,
  nextIp,
  publicCountBecomes,
  readForm,
  sign,
  signBody,
  Sink,
  sleep,
  SLUG,
  until,
  type TestDatabase,
} from './harness';
import { PgBouncer } from './pgbouncer';
import { confirmByLink } from '../support/journey';

/**
 * The web processes through PgBouncer in transaction mode (Debian's 1.18, which has no
 * prepared-statement support): each statement of a client may run on another server connection.
 * Named statements, session settings and session advisory locks break there: the web processes
 * send their statements unnamed (DATABASE_TRANSACTION_POOLING) and the worker connects on
 * sessions of its own (DATABASE_DIRECT_URL).
 */
describe('web processes behind PgBouncer in transaction mode', () => {
  let db: TestDatabase;
  let smtp: Sink;
  let bouncer: PgBouncer;
  let webs: AppProcess[] = [];
  let worker: AppProcess;

  beforeAll(async () => {
    db = await createDatabase('txpool');
    smtp = await new Sink().start(25007);
    bouncer = await new PgBouncer({
      listenAddr: '127.0.0.1',
      port: 6441,
      poolMode: 'transaction',
      poolSize: 4,
    }).start();
    const env = {
      SIGN_LIMIT_PER_IP_PER_HOUR: '4',
      FLOOD_LIMIT_PER_IP_PER_MINUTE: '4',
      DATABASE_TRANSACTION_POOLING: 'true',
    };
    const url = bouncer.urlOf(db.name);
    // Both start at once: one migrates under the lock while the other waits for it.
    webs = [3193, 3194].map((port) => new AppProcess({ role: 'web', port, databaseUrl: url, smtpUrl: smtp.url, env }));
    const started = Date.now();
    await Promise.all(webs.map((w) => w.ready(db, 30_000)));
    expect(Date.now() - started).toBeLessThan(30_000);
    worker = await new AppProcess({
      role: 'worker',
      port: 3195,
      databaseUrl: url,
      smtpUrl: smtp.url,
      env: { ...env, DATABASE_DIRECT_URL: db.url },
    }).ready(db);
    await createLetter(db);
  });

  afterAll(async () => {
    for (const p of [...webs, worker]) await p?.stop();
    await bouncer?.dispose();
    await smtp?.stop();
    await db?.drop();
  });

  test('signing, the emails and the confirmations all go through, and the count is exact', async () => {
    const emails = Array.from({ length: 60 }, (_, i) => `pooled-${i}@example.org`);
    const answers = await inParallel(emails, 10, (email, i) => sign(webs[i % 2].url, email));
    expect(answers.map((a) => a.status)).toEqual(emails.map(() => 303));
    await until('every email', () => emails.every((e) => smtp.countTo(e) >= 1), 30_000, 200);
    const confirms = await inParallel(emails, 10, async (email, i) => {
      const res = await confirmByLink(webs[i % 2].url, smtp.confirmLink(email), {
        headers: { 'x-forwarded-for': nextIp() },
      });
      return res.status;
    });
    expect(confirms).toEqual(emails.map(() => 200));
    expect(await publicCountBecomes(webs[0].url, emails.length)).toBe(emails.length);
    expect(await publicCountBecomes(webs[1].url, emails.length)).toBe(emails.length);
    await sleep(1000);
    expect(smtp.duplicates()).toEqual([]);
  });

  test('the limits refuse with 429 across both processes, never with a 500', async () => {
    const ip = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const base = webs[i % 2].url;
      const { cookie, csrf } = await readForm(base, ip);
      const res = await fetch(`${base}/letters/${SLUG}/sign`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': ip },
        body: signBody(csrf, `pooled-limited-${i}@example.org`),
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 303)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
  });

  test('a restarted process migrates and starts at once: the migration lock was not left behind', async () => {
    await webs[0].stop();
    webs[0] = new AppProcess({ ...webs[0].opts });
    const started = Date.now();
    await webs[0].ready(db, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    const [held] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242001`,
    );
    expect(Number(held?.n)).toBe(0);
  });
});
