import { Logger, runMigrations } from 'graphile-worker';
import { scrubErrorMessage, type Logger as AppLogger } from '../logger';
import type { Pool } from 'pg';

/** Installs or upgrades the job queue's own schema (graphile-worker keeps its own migrations). */
export async function migrateQueue(pool: Pool): Promise<void> {
  await runMigrations({ pgPool: pool, logger: silentLogger() });
}

/** graphile-worker's own chatter stays out of our structured log; the job host logs failures itself. */
export function silentLogger(): Logger {
  return new Logger(() => () => undefined);
}

/**
 * graphile-worker's messages in our structured log: the failures a silenced logger hid (a worker
 * pool giving up after a lost connection). Only the message, scrubbed like any error message (a
 * failed job's line quotes its error, and an SMTP refusal quotes the recipient); never the meta
 * object, which may hold a job and its payload. Its per-job "completed" lines are debug here.
 */
export function queueLogger(log: AppLogger): Logger {
  return new Logger((scope) => (level, message) => {
    const line = { queue: scope.label ?? 'worker', ...(scope.workerId ? { queueWorker: scope.workerId } : {}) };
    const text = scrubErrorMessage(message);
    const named: string = level;
    if (named === 'error') log.error(line, text);
    else if (named === 'warning') log.warn(line, text);
    else if (named === 'info') log.debug(line, text);
    else log.trace(line, text);
  });
}
