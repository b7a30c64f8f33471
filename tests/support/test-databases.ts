import { Client } from 'pg';

/**
 * The databases of one test run. Global setup migrates one database per run, the template
 * (`undersigned_test_<pid of jest>`); each jest worker then gets a copy of it of its own
 * (`<template>_w<JEST_WORKER_ID>`, made with CREATE DATABASE … TEMPLATE the first time a test file
 * runs in that worker), so that files running at the same time never share tables, advisory locks
 * or the job queue. Global teardown drops them all.
 */

const PREFIX = 'undersigned_test_';

export function templateName(pid = process.pid): string {
  return `${PREFIX}${pid}`;
}

export function workerDatabaseName(template: string, workerId: string): string {
  return `${template}_w${workerId}`;
}

/** `url` with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Makes the worker's database from the template unless it exists. A worker runs one file at a
 * time, but two runs (or a retried setup) may still meet: "already exists" means done.
 */
export async function ensureWorkerDatabase(adminUrl: string, template: string, name: string): Promise<void> {
  await withAdmin(adminUrl, async (c) => {
    const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    try {
      await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === '42P04') return; // duplicate_database: made meanwhile
      if (code === '55006') {
        throw new Error(
          `the template database ${template} has a connection open, so it cannot be copied: nothing may connect to it but global setup`,
          { cause: e },
        );
      }
      throw e;
    }
  });
}

/**
 * A database of its own for a test that must not see what other files left in the worker's
 * database (a measurement over whole tables, a queue it drains): a fresh copy of the template,
 * named after the worker's database so that global teardown drops it too if the test cannot.
 */
export async function aDatabaseOfItsOwn(purpose: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_DB_ADMIN_URL;
  const template = process.env.TEST_DB_TEMPLATE;
  if (!admin || !template)
    throw new Error(
      'TEST_DB_ADMIN_URL and TEST_DB_TEMPLATE are set by the global setup (tests/support/global-setup.ts)',
    );
  if (!/^[a-z0-9_]+$/.test(purpose))
    throw new Error(`a database purpose is lower-case letters, digits and _: ${purpose}`);
  const name = `${workerDatabaseName(template, process.env.JEST_WORKER_ID ?? '1')}_${purpose}`;
  await withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  await ensureWorkerDatabase(admin, template, name);
  return {
    url: withDatabase(admin, name),
    drop: () => withAdmin(admin, async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

/** Drops the run's template and every worker database made from it. */
export async function dropRunDatabases(adminUrl: string, template: string): Promise<void> {
  await withAdmin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)',
      [template, `${template}_w`],
    );
    // Workers' copies first: the template goes last, once nothing can be copied from it.
    for (const { datname } of rows.sort((a, b) => b.datname.length - a.datname.length)) {
      await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Drops what runs that were killed before their teardown left behind (Ctrl-C, a crash): databases
 * named after a jest process of this machine that no longer runs, with nobody connected to them.
 * Only for a server on this machine, where the process ids in the names are this machine's.
 */
export async function dropLeftovers(adminUrl: string): Promise<void> {
  const host = new URL(adminUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', ''].includes(host)) return;
  await withAdmin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database d
        WHERE datname ~ $1 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)`,
      [`^${PREFIX}[0-9]+(_w[0-9]+(_[a-z0-9_]+)?)?$`],
    );
    const stale = rows.map((r) => r.datname).filter((n) => !alive(Number(/^undersigned_test_(\d+)/.exec(n)![1])));
    for (const name of stale.sort((a, b) => b.length - a.length)) {
      // Without FORCE: a database someone connected to meanwhile stays.
      await c.query(`DROP DATABASE IF EXISTS "${name}"`).catch(() => undefined);
    }
  });
}
