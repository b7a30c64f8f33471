import 'reflect-metadata';
import { loadConfig, loadDotEnv } from '../config';
import { migrateAll } from '../db/connect';
import { openDatabase } from '../data-source';
import { createLogger } from '../logger';

/** npm run migrate: brings the database named by DATABASE_URL (or the embedded one) up to date. */
async function main() {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const database = await openDatabase(config, log);
  try {
    await migrateAll(database.db, log);
    log.info('database is up to date');
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
