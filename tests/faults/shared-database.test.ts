import {
  AppProcess,
  createDatabase,
  createLetter,
  inParallel,
  nextIp,
  publicCount,
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
import { confirmByLink } from '../support/journey';

describe('two web processes and two workers on one database', () => {
  let db: TestDatabase;
  let smtp: Sink;
  let webs: AppProcess[] = [];
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    db = await createDatabase('shared');
    smtp = await new Sink().start(25005);
    // Hard limits low enough to reach: shared counters refuse the 5th POST from one origin
    // whichever process it reaches. (Soft limits stay high: they hold, they do not refuse.)
    const env = { SIGN_LIMIT_PER_IP_PER_HOUR: '4', FLOOD_LIMIT_PER_IP_PER_MINUTE: '4' };
    webs = [3188, 3189].map(
      (port) => new AppProcess({ role: 'web', port, databaseUrl: db.url, smtpUrl: smtp.url, env }),
    );
    await webs[0].ready(db); // the first migrates; the second waits for the lock
    await webs[1].ready(db);
    for (const port of [3190, 3191]) {
      const [row] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'undersigned-worker-presence'`,
        [db.name],
      );
      const w = new AppProcess({ role: 'worker', port, databaseUrl: db.url, smtpUrl: smtp.url, env });
      w.presenceBaseline = Number(row?.n);
      workers.push(await w.ready(db));
    }
    await createLetter(db);
  });

  afterAll(async () => {
    for (const p of [...webs, ...workers]) await p.stop();
    await smtp?.stop();
    await db?.drop();
  });

  test('concurrent identical signatures through both processes make one row and one email', async () => {
    const email = 'same-person@example.org';
    const answers = await inParallel(
      Array.from({ length: 8 }, (_, i) => i),
      8,
      (i) => sign(webs[i % 2].url, email),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 303));
    const rows = await db.query(`SELECT id FROM signatures WHERE email_normalised = $1`, [email]);
    expect(rows).toHaveLength(1);
    await until('the email', () => smtp.countTo(email) >= 1, 20_000, 100);
    await sleep(2000);
    expect(smtp.countTo(email)).toBe(1);
  });

  test('each email is sent exactly once and the count is exact after confirmations through both processes', async () => {
    const emails = Array.from({ length: 40 }, (_, i) => `shared-${i}@example.org`);
    const answers = await inParallel(emails, 8, (email, i) => sign(webs[i % 2].url, email));
    expect(answers.map((a) => a.status)).toEqual(emails.map(() => 303));
    await until('every email', () => emails.every((e) => smtp.countTo(e) >= 1), 30_000, 200);
    await sleep(2000);
    for (const e of emails) expect(smtp.countTo(e)).toBe(1);

    const before = await publicCount(webs[0].url);
    // Each signer opens their link and presses the button, from a network origin of their own
    // (the flood limit here is four POSTs a minute per origin).
    const confirms = await inParallel(emails, 8, async (email, i) => {
      const res = await confirmByLink(webs[i % 2].url, smtp.confirmLink(email), {
        headers: { 'x-forwarded-for': nextIp() },
      });
      return res.status;
    });
    expect(confirms).toEqual(emails.map(() => 200));
    // Exact within the public JSON's one-second cache, through either process.
    expect(await publicCountBecomes(webs[0].url, before + emails.length)).toBe(before + emails.length);
    expect(await publicCountBecomes(webs[1].url, before + emails.length)).toBe(before + emails.length);
    // After the workers fold the deltas into the totals, still exact.
    await until('the deltas to be folded', async () => {
      const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM signature_count_deltas`);
      return Number(row?.n) === 0;
    });
    expect(await publicCount(webs[1].url)).toBe(before + emails.length);
    const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM signatures WHERE status = 'confirmed'`);
    expect(Number(row?.n)).toBe(before + emails.length);
  });

  test('rate limits are shared: one origin gets four POSTs in all, not four per process', async () => {
    const ip = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const base = webs[i % 2].url;
      const { cookie, csrf } = await readForm(base, ip);
      const res = await fetch(`${base}/letters/${SLUG}/sign`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': ip },
        body: signBody(csrf, `limited-${i}@example.org`),
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 303)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
  });
});
