import 'reflect-metadata';
import cluster from 'node:cluster';
import http from 'node:http';
import { buildApp } from './app';
import { ConfigError, loadConfig, loadDotEnv } from '../platform/config';
import type { AppContext } from '../platform/context';
import { migrateDatabase, openDatabase } from './data-source';
import { seed } from '../core/letters/seed';
import { createLogger } from '../platform/logger';
import { Mailer } from '../platform/mail/mailer';
import { devMailboxTransport, smtpTransport } from '../platform/mail/transport';
import { startWorker } from './jobs/worker';
import { initI18n } from '../platform/web/i18n';
import { createLimits } from '../platform/web/rate-limits';
import { applyServerTimeouts } from '../platform/web/server-timeouts';
import { supervise } from './supervisor';

async function main(): Promise<void> {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const log = createLogger(config.LOG_LEVEL);
  await initI18n();
  const supervising = cluster.isPrimary && config.WEB_PROCESSES > 0 && config.ROLE !== 'worker';
  const database = await openDatabase(config, log);
  await migrateDatabase(config, database.db, log);
  if (config.SEED_ON_START) {
    const seeded = await seed(database.db);
    if (seeded.lettersAdded) log.info(seeded, 'sample letters seeded');
  }
  // WEB_PROCESSES: this process runs the app's processes (src/app/supervisor.ts) and serves nothing itself.
  if (supervising) return supervise(config, log, database);
  const ctx: AppContext = { db: database.db, config, log, limits: createLimits(database.db, config.REDIS_URL) };

  const transport = config.SMTP_URL
    ? smtpTransport(config.SMTP_URL, config.MAIL_FROM, config.WORKER_CONCURRENCY)
    : devMailboxTransport(database.db, log);
  if (!config.SMTP_URL) log.warn('SMTP_URL is not set: mail goes to the development mailbox at /dev/mailbox');
  const worker = config.ROLE === 'web' ? null : await startWorker(ctx, new Mailer(transport));

  let server: http.Server | null = null;
  if (config.ROLE !== 'worker') {
    const app = buildApp(ctx, { devMailbox: !config.SMTP_URL });
    server = http.createServer(app);
    applyServerTimeouts(server, config);
    await new Promise<void>((resolve) => server!.listen(config.PORT, config.HOST, resolve));
    log.info({ port: config.PORT }, `listening on ${config.BASE_URL}`);
  }

  // SIGTERM: stop taking requests, let in-flight requests and jobs finish, then exit 0.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timeout = setTimeout(() => process.exit(1), 25_000);
    timeout.unref();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (worker) await worker.stop();
    transport.close();
    await ctx.limits.close();
    await database.close();
    process.exit(0);
  };
  // A library's stray promise rejected while PostgreSQL is away (a pool connect that nobody
  // awaited) must not take the whole site down with it: log it and keep serving; requests see 503s
  // until the database is back. A thrown exception leaves unknown state, so that one still exits.
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled rejection'); // the err serializer keeps class, code and scrubbed message
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
