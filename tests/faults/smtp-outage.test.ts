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

describe('when the mail server refuses connections during signing', () => {
  let db: TestDatabase;
  let smtp: Sink;
  let app: AppProcess;

  beforeAll(async () => {
    db = await createDatabase('smtp');
    smtp = await new Sink().start(25001);
    app = await new AppProcess({ role: 'all', port: 3183, databaseUrl: db.url, smtpUrl: smtp.url }).ready(db);
    await createLetter(db);
  });

  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
    await db?.drop();
  });

  test('every verification email arrives once the server is back, and none arrives twice', async () => {
    smtp.refusing = true;
    const emails = Array.from({ length: 30 }, (_, i) => `smtp-outage-${i}@example.org`);
    const answers = await inParallel(emails, 6, (email) => sign(app.url, email));
    expect(answers.map((a) => a.status)).toEqual(emails.map(() => 303));

    // The worker has tried and failed while the server refused.
    await until('failed attempts', async () => {
      const [row] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE attempts > 0 AND last_error IS NOT NULL`,
      );
      return Number(row?.n) > 0;
    });
    expect(smtp.messages).toHaveLength(0);

    smtp.refusing = false;
    // graphile-worker retries with exponential backoff (e^attempts seconds).
    await until('every confirmation email', () => emails.every((e) => smtp.countTo(e) >= 1), 60_000, 250);
    await sleep(3000); // a late duplicate would show up here
    for (const e of emails) expect(smtp.countTo(e)).toBe(1);
    expect(smtp.duplicates()).toEqual([]);
    const [pending] = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = 'signature-email' AND j.payload->>'kind' = 'confirm'`,
    );
    expect(Number(pending?.n)).toBe(0);
  });
});
