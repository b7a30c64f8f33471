import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { aLetter, signForm } from '../../helpers/factories';
import { confirmByLink } from '../../helpers/confirm-link';
import { linkFrom, SmtpSink } from '../../helpers/smtp-sink';
import { browser } from '../../helpers/test-app';
import { buildApp } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import type { AppContext } from '../../../src/context';
import { createDataSource } from '../../../src/db/data-source';
import { createLogger } from '../../../src/logger';
import { Mailer } from '../../../src/mail/mailer';
import { smtpTransport } from '../../../src/mail/transport';
import { startWorker, type Worker } from '../../../src/mail/worker';
import { initI18n } from '../../../src/web/i18n';
import { createSignLimits } from '../../../src/web/rate-limits';

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
  });
  db = createDataSource(config.DATABASE_URL!, { poolSize: 10 });
  await db.initialize();
  ctx = { db, config, log: createLogger('trace', capture), limits: createSignLimits(db, config) };
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
  const form = signForm({ fullName: 'Zhanna Qasymova-Lichtenberg', email: `Zhanna.Q.${Date.now()}@Example.org`, city: 'Shymkentville' });

  const b = browser(app);
  const page = await b.agent.get(`/letters/${letter.slug}`).set('X-Forwarded-For', ip).expect(200);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
  await b.agent.post(`/letters/${letter.slug}/sign`).set('X-Forwarded-For', ip).type('form').send({ ...form, _csrf: csrf }).expect(303);
  const [mail] = await smtp.waitFor(form.email);
  const confirm = new URL(linkFrom(mail, '/s/confirm/')).pathname;
  const withdraw = new URL(linkFrom(mail, '/s/withdraw/')).pathname;
  expect((await confirmByLink(app, confirm, { headers: { 'X-Forwarded-For': ip } })).status).toBe(200);
  await b.agent.post(`/letters/${letter.slug}/manage`).set('X-Forwarded-For', ip).type('form').send({ email: form.email, _csrf: csrf }).expect(200);
  await smtp.waitFor(form.email, 2);
  const w = browser(app);
  const withdrawPage = await w.agent.get(`${withdraw}?from=${encodeURIComponent(form.email)}`).set('X-Forwarded-For', ip).expect(200);
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
