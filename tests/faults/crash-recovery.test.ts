import { AppProcess, createDatabase, createLetter, sign, Sink, sleep, until, type TestDatabase } from './harness';

const lockedJobs = (db: TestDatabase) =>
  db.query<{ id: string; locked_by: string }>(
    `SELECT id::text, locked_by FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL`,
  );

describe('when the app process is killed with SIGKILL mid-load', () => {
  let db: TestDatabase;
  let smtp: Sink;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    db = await createDatabase('crash');
    smtp = await new Sink().start(25002);
  });

  afterAll(async () => {
    for (const a of apps) await a.stop();
    await smtp?.stop();
    await db?.drop();
  });

  test('every acknowledged signature is stored and every pending email is sent by the restarted worker', async () => {
    smtp.delayMs = 400; // jobs are in flight (locked) when the process dies
    const env = { WORKER_RECOVERY_AFTER_SECONDS: '3' };
    const first = await new AppProcess({ role: 'all', port: 3184, databaseUrl: db.url, smtpUrl: smtp.url, env }).ready(
      db,
    );
    apps.push(first);
    await createLetter(db);

    const acknowledged: string[] = [];
    let killed = false;
    const emails = Array.from({ length: 120 }, (_, i) => `crash-${i}@example.org`);
    let next = 0;
    // Killed once 40 signatures are acknowledged AND the worker holds jobs: new signatures' emails
    // reach the job queue through the outbox relay, so a count alone can come before any lock.
    const killer = until(
      'forty acknowledged signatures and jobs in flight',
      async () => acknowledged.length >= 40 && (await lockedJobs(db)).length > 0,
      20_000,
      20,
    ).then(() => {
      killed = true;
      first.kill('SIGKILL');
    });
    await Promise.all([
      killer,
      ...Array.from({ length: 8 }, async () => {
        while (next < emails.length && !killed) {
          const email = emails[next++];
          const answer = await sign(first.url, email).catch(() => null);
          if (answer?.status === 303) acknowledged.push(email);
        }
      }),
    ]);
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const stored = await db.query<{ email: string; status: string }>(`SELECT email, status FROM signatures`);
    const storedEmails = new Set(stored.map((s) => s.email));
    for (const email of acknowledged) expect(storedEmails).toContain(email);
    // The dead process left jobs locked: without recovery they would wait four hours.
    const orphaned = await lockedJobs(db);
    expect(orphaned.length).toBeGreaterThan(0);

    smtp.delayMs = 0;
    const second = await new AppProcess({ role: 'all', port: 3184, databaseUrl: db.url, smtpUrl: smtp.url, env }).ready(
      db,
    );
    apps.push(second);
    const pending = stored.filter((s) => s.status === 'pending').map((s) => s.email);
    await until('an email for every pending signature', () => pending.every((e) => smtp.countTo(e) >= 1), 45_000, 250);
    // A job is marked done just after its message reaches the server: give the last ones a moment.
    await until('no job left locked', async () => (await lockedJobs(db)).length === 0, 15_000, 250);
  });
});

describe('when several workers are alive', () => {
  let db: TestDatabase;
  let smtp: Sink;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    db = await createDatabase('live');
    smtp = await new Sink().start(25003);
  });

  afterAll(async () => {
    for (const a of apps) await a.stop();
    await smtp?.stop();
    await db?.drop();
  });

  test("a live worker's slow job is never taken from it by another worker's recovery", async () => {
    smtp.delayMs = 9000; // far longer than the recovery grace period
    const env = { WORKER_RECOVERY_AFTER_SECONDS: '1' };
    const web = await new AppProcess({ role: 'all', port: 3185, databaseUrl: db.url, smtpUrl: smtp.url, env }).ready(
      db,
    );
    apps.push(web);
    await createLetter(db);
    expect((await sign(web.url, 'slow-job@example.org')).status).toBe(303);
    const job = await until('the job to be locked', async () => (await lockedJobs(db))[0]);

    const [presences] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'undersigned-worker-presence'`,
      [db.name],
    );
    const other = new AppProcess({ role: 'worker', port: 3186, databaseUrl: db.url, smtpUrl: smtp.url, env });
    other.presenceBaseline = Number(presences?.n);
    apps.push(await other.ready(db));

    // Several recovery sweeps run in both processes while the job is in flight.
    for (let i = 0; i < 5; i++) {
      await sleep(1000);
      const locked = await lockedJobs(db);
      if (!locked.length) break;
      expect(locked).toEqual([job]);
    }
    await until('the slow email', () => smtp.countTo('slow-job@example.org') >= 1, 20_000, 200);
    await sleep(2500);
    expect(smtp.countTo('slow-job@example.org')).toBe(1);
  });
});
