import 'reflect-metadata';
import { loadConfig, loadDotEnv } from '../config';
import { migrateAll, openDatabase } from '../db/connect';
import { createLogger } from '../logger';
import { eraseDeliveredContactData, eraseExpiredSuppressions, erasePendingSignatures, eraseSigner } from '../privacy/retention.service';

const USAGE = `Usage:
  npm run privacy -- erase <email>   remove every signature of this address, on every letter
  npm run privacy -- retention       apply the retention periods now (the worker does it hourly)`;

/**
 * npm run privacy. Prints counts only: the address is never echoed, so a terminal log or a CI
 * transcript of an erasure does not itself keep the personal data it was asked to remove.
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const valid = (command === 'erase' && rest.length === 1 && rest[0].includes('@')) || (command === 'retention' && rest.length === 0);
  if (!valid) {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  }
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openDatabase(config, log);
  try {
    await migrateAll(database.db, log);
    if (command === 'erase') {
      const { signatures, letters } = await eraseSigner(database.db, rest[0]);
      process.stdout.write(`Erased ${signatures} signature(s) from ${letters} letter(s).\n`);
    } else {
      const pending = await erasePendingSignatures(database.db, config.PENDING_RETENTION_DAYS);
      const contacts = await eraseDeliveredContactData(database.db, config.DELIVERED_RETENTION_DAYS);
      await eraseExpiredSuppressions(database.db);
      process.stdout.write(`Erased ${pending} unconfirmed signature(s); erased the addresses of ${contacts} signature(s) on delivered letters.\n`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`privacy failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
