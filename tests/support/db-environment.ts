import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import NodeEnvironment from 'jest-environment-node';
import { ensureWorkerDatabase, withDatabase, workerDatabaseName } from './test-databases';

/** The worker databases this process has made already (the environment module outlives a test file). */
const made = new Set<string>();

/**
 * jest's node environment, with TEST_DB_URL pointing at this worker's own database: a copy of the
 * run's migrated template (global-setup.ts), made the first time a file runs in the worker. Files
 * run one at a time in a worker, so a file has its database to itself, as under --runInBand.
 * The variable is set in the file's sandbox and in the worker process itself, so child processes
 * a test starts (with or without an env of its own) get the same database.
 */
export default class DatabaseEnvironment extends NodeEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
  }

  override async setup(): Promise<void> {
    await super.setup();
    const admin = process.env.TEST_DB_ADMIN_URL;
    const template = process.env.TEST_DB_TEMPLATE;
    if (!admin || !template)
      throw new Error(
        'TEST_DB_ADMIN_URL and TEST_DB_TEMPLATE are set by the global setup (tests/support/global-setup.ts)',
      );
    const name = workerDatabaseName(template, process.env.JEST_WORKER_ID ?? '1');
    if (!made.has(name)) {
      await ensureWorkerDatabase(admin, template, name);
      made.add(name);
    }
    const url = withDatabase(admin, name);
    process.env.TEST_DB_URL = url;
    this.global.process.env.TEST_DB_URL = url;
  }
}
