import 'reflect-metadata';
import { loadConfig, loadDotEnv } from '../config';
import { migrateAll } from '../db/connect';
import { openDatabase } from '../data-source';
import { seed } from '../letters/seed';
import { createLogger } from '../logger';

/** npm run seed: adds the sample letters if they are missing (safe to run again). */
async function main() {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const database = await openDatabase(config, log);
  try {
    await migrateAll(database.db, log);
    const result = await seed(database.db);
    log.info(result, 'seed done');
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
