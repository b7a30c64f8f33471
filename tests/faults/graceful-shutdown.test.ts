import http from 'node:http';
import {
  AppProcess,
  createDatabase,
  createLetter,
  nextIp,
  readForm,
  signBody,
  Sink,
  sleep,
  SLUG,
  until,
  type TestDatabase,
} from './harness';

describe('when the app receives SIGTERM', () => {
  let db: TestDatabase;
  let smtp: Sink;
  let app: AppProcess;

  beforeAll(async () => {
    db = await createDatabase('sigterm');
    smtp = await new Sink().start(25006);
    app = await new AppProcess({ role: 'all', port: 3192, databaseUrl: db.url, smtpUrl: smtp.url }).ready(db);
    await createLetter(db);
  });

  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
    await db?.drop();
  });

  test('in-flight requests and jobs finish, then the process exits 0', async () => {
    // A job in flight: the mail server takes its time to accept the message.
    smtp.delayMs = 3000;
    const ip = nextIp();
    const { cookie, csrf } = await readForm(app.url, ip);
    const first = await fetch(`${app.url}/letters/${SLUG}/sign`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': ip },
      body: signBody(csrf, 'job-in-flight@example.org'),
    });
    expect(first.status).toBe(303);
    await until('the job to be taken', async () => {
      const rows = await db.query(`SELECT 1 FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL`);
      return rows.length > 0;
    });

    // A request in flight: a slow client has sent the headers and half of the form.
    const body = signBody(csrf, 'request-in-flight@example.org');
    const answer = new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = http.request(`${app.url}/letters/${SLUG}/sign`, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          cookie,
          'x-forwarded-for': ip,
        },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 40));
      setTimeout(() => req.end(body.slice(40)), 1500);
    });
    await sleep(300);
    app.kill('SIGTERM');

    expect(await answer).toEqual({ status: 303, location: `/letters/${SLUG}/check-email?lang=en` });
    expect(await app.exited).toEqual({ code: 0, signal: null });
    // The job in flight completed: its email arrived and nothing is left locked.
    expect(smtp.countTo('job-in-flight@example.org')).toBe(1);
    expect(await db.query(`SELECT id FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL`)).toEqual([]);
    // The request that was in flight was stored.
    expect(await db.query(`SELECT status FROM signatures WHERE email = 'request-in-flight@example.org'`)).toEqual([
      { status: 'pending' },
    ]);
    // New connections are refused once it has stopped.
    await expect(fetch(`${app.url}/`)).rejects.toThrow();
  });
});
