import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { type Config, loadConfig, loadDotEnv } from '../../platform/config';
import { migrateDatabase, openDatabase } from '../data-source';
import { createLogger, type Logger } from '../../platform/logger';

/** What every command gets: the configuration, a logger, and a migrated database. */
export interface CliContext {
  config: Config;
  log: Logger;
  db: DataSource;
}

export interface WithAppOptions {
  /** The command's name, as in "<name> failed: …" when something unexpected goes wrong. */
  name: string;
  /**
   * Warnings and errors only, unless LOG_LEVEL asks for more: the command's own output is what
   * its user reads, and the routine info lines (embedded server started, migrations) would bury it.
   */
  quiet?: boolean;
  /** Checks on the configuration before the database is opened; an exit code ends the command there. */
  preflight?: (config: Config) => number | void;
}

/**
 * The one start-up of the command-line tools: .env and configuration, logger, database (the
 * embedded one when there is no DATABASE_URL), migrations; then `run`, and everything closed again,
 * also when `run` fails. `run` answers the exit code (0 when it answers nothing); anything it
 * throws is reported on one line as "<name> failed: <message>" with exit code 1.
 */
export function withApp(run: (ctx: CliContext) => Promise<number | void>, opts: WithAppOptions): Promise<never> {
  return start(run, opts).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${opts.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

async function start(run: (ctx: CliContext) => Promise<number | void>, opts: WithAppOptions): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  const stop = opts.preflight?.(config);
  if (typeof stop === 'number') return stop;
  const log = createLogger(opts.quiet && config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openDatabase(config, log);
  try {
    await migrateDatabase(config, database.db, log);
    return (await run({ config, log, db: database.db })) ?? 0;
  } finally {
    await database.close();
  }
}
