import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { buildDataSource, migrate, type EntityList } from './data-source';
import { migrateQueue } from './queue-schema';
import { startEmbeddedPostgres } from './embedded';
import { pgPool } from './pool';

export interface Database {
  db: DataSource;
  url: string;
  close(): Promise<void>;
}

/** DATABASE_URL when given; otherwise the embedded PostgreSQL under DATA_DIR. */
export async function openDatabaseWith(
  entities: EntityList,
  config: Config,
  log: Logger,
  opts: { poolSize?: number } = {},
): Promise<Database> {
  let url = config.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!url) {
    log.info({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT }, 'starting embedded PostgreSQL');
    const embedded = await startEmbeddedPostgres({
      dataDir: config.DATA_DIR,
      port: config.EMBEDDED_PG_PORT,
      database: 'undersigned',
      log: (line) => log.debug({ pg: line.trim() }, 'embedded postgres'),
    });
    url = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const db = buildDataSource(entities, url, { poolSize: opts.poolSize });
  await db.initialize();
  return {
    db,
    url,
    async close() {
      await db.destroy();
      if (stopEmbedded) await stopEmbedded();
    },
  };
}

/**
 * Brings the schema up to date: ours (TypeORM migrations) and the job queue's. A session-level
 * advisory lock makes concurrent start-ups of several processes take turns.
 */
export async function migrateAll(db: DataSource, log: Logger): Promise<void> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(4242001)');
    const ran = await migrate(db);
    if (ran.length) log.info({ migrations: ran }, 'migrations applied');
    await migrateQueue(pgPool(db));
  } finally {
    await runner.query('SELECT pg_advisory_unlock(4242001)').catch(() => undefined);
    await runner.release();
  }
}
