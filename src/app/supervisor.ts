import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import type { Database } from '../platform/db/connect';

type Role = 'web' | 'worker';

/** More deaths than this within a minute: something is wrong with every start, not one process. */
const MAX_RESTARTS_PER_MINUTE = 10;
const RESTART_DELAY_MS = 1_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * WEB_PROCESSES ≥ 1: this process starts the app's processes and keeps them running. The database
 * is opened (the embedded one started, without DATABASE_URL) and migrated here once; then
 * WEB_PROCESSES web processes share PORT through Node's cluster module (this process accepts the
 * connections and hands them out in turn), and with ROLE=all WORKER_PROCESSES workers run beside
 * them. Each is the same program with its own ROLE, so each has its own event loop: a burst of
 * pages never delays an email, and a web process that dies is replaced while the others answer.
 * SIGTERM is passed on to each; each finishes what it has in hand and exits, then this one exits 0.
 */
export async function supervise(config: Config, log: Logger, database: Database): Promise<void> {
  const roles = new Map<number, Role>();
  const deaths: number[] = [];
  let stopping = false;

  const start = (role: Role) => {
    const child = cluster.fork({
      ROLE: role,
      WEB_PROCESSES: '0',
      // The embedded PostgreSQL, when this process started one; DATABASE_URL otherwise.
      DATABASE_URL: database.url,
      // Seeded here, once.
      SEED_ON_START: 'false',
    });
    roles.set(child.id, role);
  };

  const finished = new Promise<number>((resolve) => {
    const stop = (code: number) => {
      if (stopping) return;
      stopping = true;
      if (!roles.size) return resolve(code);
      for (const child of Object.values(cluster.workers ?? {})) child?.process.kill('SIGTERM');
      const timeout = setTimeout(() => {
        log.error({ left: roles.size }, 'processes still running after 30 s: killed');
        for (const child of Object.values(cluster.workers ?? {})) child?.process.kill('SIGKILL');
        resolve(1);
      }, STOP_TIMEOUT_MS);
      cluster.on('exit', () => {
        if (!roles.size) {
          clearTimeout(timeout);
          resolve(code);
        }
      });
    };
    cluster.on('exit', (child: Worker, code: number | null, signal: string | null) => {
      const role = roles.get(child.id);
      roles.delete(child.id);
      if (stopping || !role) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length && deaths[0] < now - 60_000) deaths.shift();
      if (deaths.length > MAX_RESTARTS_PER_MINUTE) {
        log.fatal({ role, code, signal }, 'processes keep dying: stopping');
        return stop(1);
      }
      log.error({ role, code, signal }, `${role} process exited: starting another`);
      setTimeout(() => {
        if (!stopping) start(role);
      }, RESTART_DELAY_MS);
    });
    process.on('SIGTERM', () => stop(0));
    process.on('SIGINT', () => stop(0));
  });

  for (let i = 0; i < config.WEB_PROCESSES; i++) start('web');
  const workers = config.ROLE === 'all' ? config.WORKER_PROCESSES : 0;
  for (let i = 0; i < workers; i++) start('worker');
  log.info(
    { web: config.WEB_PROCESSES, workers },
    `started ${config.WEB_PROCESSES} web and ${workers} worker processes`,
  );

  const code = await finished;
  await database.close();
  process.exit(code);
}
