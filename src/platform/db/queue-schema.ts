import { Logger, runMigrations } from 'graphile-worker';
import type { Pool } from 'pg';

/** Installs or upgrades the job queue's own schema (graphile-worker keeps its own migrations). */
export async function migrateQueue(pool: Pool): Promise<void> {
  await runMigrations({ pgPool: pool, logger: silentLogger() });
}

/** graphile-worker's own chatter stays out of our structured log; the job host logs failures itself. */
export function silentLogger(): Logger {
  return new Logger(() => () => undefined);
}
