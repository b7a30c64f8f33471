import 'reflect-metadata';
import type { Express } from 'express';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { buildApp } from '../../src/app/app';
import { loadConfig, type Config } from '../../src/platform/config';
import type { AppContext } from '../../src/platform/context';
import { createDataSource } from '../../src/app/data-source';
import { createLogger } from '../../src/platform/logger';
import { Mailer } from '../../src/platform/mail/mailer';
import { smtpTransport, type MailTransport } from '../../src/platform/mail/transport';
import { startWorker, type Worker } from '../../src/app/jobs/worker';
import { initI18n } from '../../src/platform/web/i18n';
import { createLimits } from '../../src/platform/web/rate-limits';
import { SmtpSink } from './smtp-sink';

export interface TestApp {
  app: Express;
  ctx: AppContext;
  db: DataSource;
  smtp: SmtpSink;
  config: Config;
  close(): Promise<void>;
}

/** The real app on the run's database, mailing a real in-process SMTP server through the real worker. */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: { worker?: boolean } = {},
): Promise<TestApp> {
  await initI18n();
  const smtp = await new SmtpSink().start();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.TEST_DB_URL,
    SMTP_URL: smtp.url,
    BASE_URL: 'http://undersigned.test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret',
    LOG_LEVEL: 'silent',
    SIGN_LIMIT_PER_IP_PER_HOUR: '100000',
    SIGN_LIMIT_PER_EMAIL_PER_HOUR: '100',
    // Tests sign many times from one address: limits stay out of the way unless a test sets them.
    FLOOD_LIMIT_PER_IP_PER_MINUTE: '100000',
    SIGN_BURST_PER_IP_PER_MINUTE: '100000',
    SIGN_BURST_PER_EMAIL_PER_MINUTE: '100',
    SIGN_SUSTAINED_PER_EMAIL_PER_HOUR: '100',
    SIGN_BURST_PER_DOMAIN_PER_MINUTE: '100000',
    SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR: '100000',
    RESEND_THROTTLE_MINUTES: '0',
    // Tests read the page right after changing what it shows; the cache has a test of its own.
    LETTER_PAGE_CACHE_SECONDS: '0',
    ...env,
  });
  const db: DataSource = createDataSource(config.DATABASE_URL!, { poolSize: 30 });
  await db.initialize();
  const log = createLogger(config.LOG_LEVEL);
  const ctx: AppContext = { db, config, log, limits: createLimits(db, config.REDIS_URL) };
  const transport: MailTransport = smtpTransport(smtp.url, config.MAIL_FROM);
  const worker: Worker | null =
    opts.worker === false ? null : await startWorker(ctx, new Mailer(transport), { foldEveryMs: 200 });
  const app = buildApp(ctx, { devMailbox: false });
  return {
    app,
    ctx,
    db,
    smtp,
    config,
    async close() {
      await worker?.stop();
      transport.close();
      await ctx.limits.close();
      await db.destroy();
      await smtp.stop();
    },
  };
}

/**
 * The test app of a file (or of the `describe` it is called in): started before its tests
 * (`beforeAll`), closed after them (`afterAll`). Answers a handle to it at once, for the tests to
 * use once it runs: `const t = useTestApp(env, opts)` and then `t.app`, `t.db`, `t.smtp`…
 */
export function useTestApp(env: Record<string, string> = {}, opts: { worker?: boolean } = {}): TestApp {
  let running: TestApp | undefined;
  beforeAll(async () => {
    running = await startTestApp(env, opts);
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  const get = (): TestApp => {
    if (!running) throw new Error('the test app runs from beforeAll to afterAll: use it inside a test or a hook');
    return running;
  };
  return {
    get app() {
      return get().app;
    },
    get ctx() {
      return get().ctx;
    },
    get db() {
      return get().db;
    },
    get smtp() {
      return get().smtp;
    },
    get config() {
      return get().config;
    },
    async close() {
      const app = get();
      running = undefined;
      await app.close();
    },
  };
}

/** A browser-like client: keeps cookies, reads the CSRF token from the page's form. */
export function browser(app: Express) {
  const agent = request.agent(app);
  return {
    agent,
    async csrfFrom(path: string): Promise<string> {
      const res = await agent.get(path).expect(200);
      const m = res.text.match(/name="_csrf" value="([^"]+)"/);
      if (!m) throw new Error(`no CSRF token on ${path}`);
      return m[1];
    },
    /** The action of the page's upload (multipart) form: it carries the CSRF token (?_csrf=). */
    async uploadAction(path: string): Promise<string> {
      const res = await agent.get(path).expect(200);
      const m = res.text.match(/<form method="post" action="([^"]+)" enctype="multipart\/form-data"/);
      if (!m) throw new Error(`no upload form on ${path}`);
      return m[1].replace(/&amp;/g, '&');
    },
  };
}
