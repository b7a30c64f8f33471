import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { aLetter, signForm } from '../../support/factories';
import { confirmByLink } from '../../support/journey';
import { linkFrom, SmtpSink } from '../../support/smtp-sink';
import { anOrganiser, aLetterOf, signInAs } from '../../support/organisers';
import { browser } from '../../support/test-app';
import { buildApp } from '../../../src/app/app';
import { loadConfig } from '../../../src/platform/config';
import type { AppContext } from '../../../src/platform/context';
import { createDataSource } from '../../../src/app/data-source';
import { createLogger } from '../../../src/platform/logger';
import { Mailer } from '../../../src/platform/mail/mailer';
import { smtpTransport } from '../../../src/platform/mail/transport';
import { startWorker, type Worker } from '../../../src/app/jobs/worker';
import { initI18n } from '../../../src/platform/web/i18n';
import { createLimits } from '../../../src/platform/web/rate-limits';

/** Every line the app and its worker log, at the most talkative level. */
const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(chunk.toString('utf8'));
    done();
  },
});

let smtp: SmtpSink;
let db: DataSource;
let ctx: AppContext;
let worker: Worker;
let transport: ReturnType<typeof smtpTransport>;

beforeAll(async () => {
  await initI18n();
  smtp = await new SmtpSink().start();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.TEST_DB_URL,
    SMTP_URL: smtp.url,
    BASE_URL: 'http://undersigned.test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret',
    LOG_LEVEL: 'trace',
    TRUST_PROXY: 'loopback',
    RESEND_THROTTLE_MINUTES: '0',
    FLOOD_LIMIT_PER_IP_PER_MINUTE: '100000',
    // The run's other files sign in from this same address too: limits are tested elsewhere.
    SIGN_LIMIT_PER_IP_PER_HOUR: '100000',
  });
  db = createDataSource(config.DATABASE_URL!, { poolSize: 10 });
  await db.initialize();
  ctx = { db, config, log: createLogger('trace', capture), limits: createLimits(db, config.REDIS_URL) };
  transport = smtpTransport(smtp.url, config.MAIL_FROM);
  worker = await startWorker(ctx, new Mailer(transport), { foldEveryMs: 200 });
});

afterAll(async () => {
  await worker.stop();
  transport.close();
  await ctx.limits.close();
  await db.destroy();
  await smtp.stop();
});

test('a whole sign, confirm, manage and withdraw journey logs events but no email, name, IP or token', async () => {
  const app = buildApp(ctx, { devMailbox: false });
  const letter = await aLetter(db);
  const ip = '203.0.113.99';
  const form = signForm({
    fullName: 'Zhanna Qasymova-Lichtenberg',
    email: `Zhanna.Q.${Date.now()}@Example.org`,
    city: 'Shymkentville',
  });

  const b = browser(app);
  const page = await b.agent.get(`/letters/${letter.slug}`).set('X-Forwarded-For', ip).expect(200);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
  await b.agent
    .post(`/letters/${letter.slug}/sign`)
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({ ...form, _csrf: csrf })
    .expect(303);
  const [mail] = await smtp.waitFor(form.email);
  const confirm = new URL(linkFrom(mail, '/s/confirm/')).pathname;
  const withdraw = new URL(linkFrom(mail, '/s/withdraw/')).pathname;
  expect((await confirmByLink(app, confirm, { headers: { 'X-Forwarded-For': ip } })).status).toBe(200);
  await b.agent
    .post(`/letters/${letter.slug}/manage`)
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({ email: form.email, _csrf: csrf })
    .expect(200);
  await smtp.waitFor(form.email, 2);
  const w = browser(app);
  const withdrawPage = await w.agent
    .get(`${withdraw}?from=${encodeURIComponent(form.email)}`)
    .set('X-Forwarded-For', ip)
    .expect(200);
  const wCsrf = withdrawPage.text.match(/name="_csrf" value="([^"]+)"/)![1];
  await w.agent.post(withdraw).set('X-Forwarded-For', ip).type('form').send({ _csrf: wCsrf }).expect(200);
  await new Promise((r) => setTimeout(r, 300));

  const log = lines.join('');
  // Something was logged: the journey's events, by id.
  expect(log).toContain('signature pending');
  expect(log).toContain('signature confirmed');
  expect(log).toContain('signature withdrawn and erased');
  expect(log).toContain('signature email sent');
  const secrets = [
    form.email,
    form.email.toLowerCase(),
    'zhanna.q.',
    form.fullName,
    'Qasymova',
    'Shymkentville',
    ip,
    confirm.split('/').pop()!,
    withdraw.split('/').pop()!,
    csrf,
    wCsrf,
  ];
  for (const secret of secrets) expect(log.toLowerCase()).not.toContain(secret.toLowerCase());
});

/** The lines logged while `during` runs. */
async function logged(during: () => Promise<void>): Promise<string> {
  const from = lines.length;
  await during();
  await new Promise((r) => setTimeout(r, 100));
  return lines.slice(from).join('');
}

test('a database error carrying an address and a name is logged with its class, code and message, never its parameters, SQL or detail', async () => {
  const app = buildApp(ctx, { devMailbox: false });
  const letter = await aLetter(db);
  const form = signForm({
    fullName: 'Ainur Dzhaksybekova-Forcefail',
    email: `ainur.forcefail.${Date.now()}@example.net`,
    city: 'Forcefailville',
  });
  // A check that PostgreSQL itself fails, the way a constraint does: the message names the
  // address, the detail repeats the row ("Failing row contains (…)"), as PostgreSQL's own do.
  await db.query(`
    CREATE FUNCTION test_refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.city = 'Forcefailville' THEN
        RAISE EXCEPTION 'new row for % violates check constraint', NEW.email
          USING ERRCODE = '23514', DETAIL = format('Failing row contains (%s, %s, %s).', NEW.full_name, NEW.email, NEW.city);
      END IF;
      RETURN NEW;
    END $$`);
  await db.query(
    `CREATE TRIGGER test_refuse_row BEFORE INSERT ON signatures FOR EACH ROW EXECUTE FUNCTION test_refuse_row()`,
  );
  try {
    const log = await logged(async () => {
      const b = browser(app);
      const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
      const res = await b.agent
        .post(`/letters/${letter.slug}/sign`)
        .type('form')
        .send({ ...form, _csrf: csrf });
      expect(res.status).toBe(500);
      expect(res.text).not.toContain(form.email);
    });
    const line = log.split('\n').find((l) => l.includes('unhandled error'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { err: Record<string, unknown> };
    // The driver's class (pg's DatabaseError, or TypeORM's QueryFailedError around it), its SQLSTATE and its message.
    expect(entry.err).toMatchObject({
      type: expect.stringMatching(/^(DatabaseError|QueryFailedError)$/),
      code: '23514',
      message: 'new row for [email] violates check constraint',
    });
    expect(Object.keys(entry.err).sort()).toEqual(['code', 'message', 'stack', 'type']);
    for (const secret of [
      form.email,
      'ainur.forcefail',
      'Dzhaksybekova',
      'Forcefailville',
      'Failing row',
      'INSERT INTO',
    ]) {
      expect(log.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  } finally {
    await db.query('DROP TRIGGER test_refuse_row ON signatures');
    await db.query('DROP FUNCTION test_refuse_row()');
  }
});

test('a dashboard search with a NUL byte is refused beside the search box, and the address searched for is not logged', async () => {
  const app = buildApp(ctx, { devMailbox: false });
  const organiser = await anOrganiser(db);
  const letter = await aLetterOf(db, organiser);
  const b = await signInAs(app, smtp, organiser.email);
  const log = await logged(async () => {
    const res = await b.agent.get(`/organise/letters/${letter.slug}?q=private1%40example.net%00`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="q-error"');
    expect(res.text).toContain('invisible control character');
  });
  expect(log).not.toContain('private1');
  expect(log).not.toContain('unhandled error');
});

test('a mail server refusing an address in its reply leaves no address in the job queue or the log', async () => {
  const app = buildApp(ctx, { devMailbox: false });
  const letter = await aLetter(db);
  const email = `nobody.here.${Date.now()}@example.net`;
  smtp.deferRecipient((address) => address === email.toLowerCase());
  try {
    const log = await logged(async () => {
      const b = browser(app);
      const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
      await b.agent
        .post(`/letters/${letter.slug}/sign`)
        .type('form')
        .send({ ...signForm({ email }), _csrf: csrf })
        .expect(303);
      const [sig] = await db.query<Array<{ id: string }>>('SELECT id FROM signatures WHERE email = $1', [email]);
      const deadline = Date.now() + 15_000;
      let lastError: string | null = null;
      while (!lastError && Date.now() < deadline) {
        const [job] = await db.query<Array<{ last_error: string | null }>>(
          `SELECT last_error FROM graphile_worker._private_jobs WHERE payload->>'signatureId' = $1 AND payload->>'kind' = 'confirm'`,
          [sig.id],
        );
        lastError = job?.last_error ?? null;
        if (!lastError) await new Promise((r) => setTimeout(r, 100));
      }
      expect(lastError).toContain('450');
      expect(lastError).toContain('Recipient address rejected');
      expect(lastError).not.toContain('nobody.here');
      // The signature goes: its job ends quietly at the next attempt.
      await db.query('DELETE FROM signatures WHERE id = $1', [sig.id]);
    });
    expect(log).toContain('job failed, will retry');
    expect(log).not.toContain('nobody.here');
  } finally {
    smtp.deferRecipient(null);
  }
});
