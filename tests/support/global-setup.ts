import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource } from '../../src/app/data-source';
import { migrateAll } from '../../src/platform/db/connect';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded';
import { createLogger } from '../../src/platform/logger';
import { dropLeftovers, dropRunDatabases, templateName, withDatabase } from './test-databases';

declare global {
  var __EMBEDDED_PG_STOP__: (() => Promise<void>) | undefined;
}

/**
 * Each run migrates one database of its own, the template: TEST_DATABASE_URL's server when set (CI
 * uses the machine's PostgreSQL), otherwise an embedded PostgreSQL under .data/. Test files never
 * connect to it: each jest worker works on a copy of its own (db-environment.ts, test-databases.ts),
 * so that files run in parallel and runs in parallel (two checkouts, CI and a developer) never meet.
 */
export default async function globalSetup(): Promise<void> {
  let base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const embedded = await startEmbeddedPostgres({ dataDir: '.data/test', port: 54331, database: 'undersigned_test' });
    globalThis.__EMBEDDED_PG_STOP__ = () => embedded.stop();
    base = embedded.url;
  }
  const template = templateName();
  process.env.TEST_DB_ADMIN_URL = base;
  process.env.TEST_DB_TEMPLATE = template;
  await dropLeftovers(base);
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();

  try {
    const ds = createDataSource(withDatabase(base, template));
    await ds.initialize();
    try {
      await migrateAll(ds, createLogger('silent'));
    } finally {
      // Closed before any worker copies it: CREATE DATABASE … TEMPLATE needs it unused.
      await ds.destroy();
    }
  } catch (e) {
    await dropRunDatabases(base, template);
    await globalThis.__EMBEDDED_PG_STOP__?.();
    throw e;
  }
}
