import 'reflect-metadata';
import { Client } from 'pg';
import { createDataSource } from '../../src/data-source';
import { migrateAll } from '../../src/db/connect';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';

declare global {
  var __EMBEDDED_PG_STOP__: (() => Promise<void>) | undefined;
}

/**
 * Each run starts from a freshly migrated database: TEST_DATABASE_URL's server when set (CI uses
 * the machine's PostgreSQL), otherwise an embedded PostgreSQL under .data/.
 */
export default async function globalSetup(): Promise<void> {
  let base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const embedded = await startEmbeddedPostgres({ dataDir: '.data/test', port: 54331, database: 'undersigned_test' });
    globalThis.__EMBEDDED_PG_STOP__ = () => embedded.stop();
    base = embedded.url;
  }
  const url = new URL(base);
  // One database per run, so that runs in parallel (two checkouts, CI and a developer) never meet.
  const dbName = `undersigned_test_${process.pid}`;
  process.env.TEST_DB_ADMIN_URL = base;
  process.env.TEST_DB_NAME = dbName;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  url.pathname = `/${dbName}`;
  process.env.TEST_DB_URL = url.toString();

  const ds = createDataSource(url.toString());
  await ds.initialize();
  await migrateAll(ds, createLogger('silent'));
  await ds.destroy();
}
