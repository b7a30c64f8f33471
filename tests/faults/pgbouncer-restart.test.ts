import {
  AppProcess,
  createDatabase,
  createLetter,
  inParallel,
  sign,
  Sink,
  sleep,
  until,
  type TestDatabase,
} from './harness';
import { PgBouncer } from './pgbouncer';

/**
 * The worker's connections through PgBouncer (session mode, as DATABASE_DIRECT_URL may point
 * to), and PgBouncer restarted while emails go out: every connection is cut at once, and for a
 * second nothing answers. graphile-worker gives up its worker pool when it cannot record a
 * finished job ("queue is in an inconsistent state; aborting"): the process lived on, sending
 * nothing, its jobs locked in a name whose presence it still held.
 */
describe('PgBouncer restarted while the worker sends', () => {
  let db: TestDatabase;
  let smtp: Sink;
  let bouncer: PgBouncer;
  let web: AppProcess;
  let worker: AppProcess;

  beforeAll(async () => {
    db = await createDatabase('bouncer_restart');
    smtp = await new Sink().start(25008);
    bouncer = await new PgBouncer({ listenAddr: '127.0.0.1', port: 6442, poolMode: 'session' }).start();
    web = await new AppProcess({ role: 'web', port: 3196, databaseUrl: db.url, smtpUrl: smtp.url }).ready(db);
    await createLetter(db);
    worker = await new AppProcess({
      role: 'worker',
      port: 3197,
      databaseUrl: db.url,
      smtpUrl: smtp.url,
      env: { DATABASE_DIRECT_URL: bouncer.urlOf(db.name), LOG_LEVEL: 'info' },
    }).ready(db);
  });

  afterAll(async () => {
    for (const p of [web, worker]) await p?.stop();
    await bouncer?.dispose();
    await smtp?.stop();
    await db?.drop();
  });

  test('every email still goes out, no job stays locked, and the log says what happened', async () => {
    smtp.delayMs = 20; // each message takes a moment: jobs are in flight when the cut comes
    const emails = Array.from({ length: 200 }, (_, i) => `restart-${i}@example.org`);
    const answers = await inParallel(emails, 10, (email) => sign(web.url, email));
    expect(answers.map((a) => a.status)).toEqual(emails.map(() => 303));
    await until('the first emails', () => smtp.messages.length >= 20, 30_000, 20);
    await bouncer.stop('SIGKILL');
    await sleep(1000);
    await bouncer.start();
    await until('every email after the restart', () => emails.every((e) => smtp.countTo(e) >= 1), 90_000, 250).catch(
      (e: Error) => {
        const missing = emails.filter((m) => smtp.countTo(m) === 0).length;
        const log = worker.output
          .join('')
          .split('\n')
          .filter((l) => !l.includes('signature email sent'));
        throw new Error(`${e.message}; ${missing} of ${emails.length} never sent\n${log.join('\n')}`);
      },
    );
    expect(worker.alive).toBe(true);
    await until('no job to stay locked', async () => {
      const [row] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL`,
      );
      return Number(row?.n) === 0;
    });
    const log = worker.output.join('');
    expect(log).toMatch(/job runner stopped/);
    // graphile-worker's own messages reach the log, without the addresses its errors may quote.
    expect(log).not.toMatch(/restart-\d+@example\.org/);
  });
});
