import { dropRunDatabases } from './test-databases';

/** Drops the run's template and every worker's copy of it, whether the tests passed or not. */
export default async function globalTeardown(): Promise<void> {
  const admin = process.env.TEST_DB_ADMIN_URL;
  const template = process.env.TEST_DB_TEMPLATE;
  if (admin && template) await dropRunDatabases(admin, template);
  await globalThis.__EMBEDDED_PG_STOP__?.();
}
