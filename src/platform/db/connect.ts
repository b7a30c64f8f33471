import type { DataSource } from 'typeorm';
import { type Config, databaseRole } from '../config';
import type { Logger } from '../logger';
import { buildDataSource, migrate, type EntityList } from './data-source';
import { migrateQueue } from './queue-schema';
import { grantRuntimeRole } from './runtime-role';
import { startEmbeddedPostgres } from './embedded';
import { dropStatementNames, pgPool } from './pool';

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
  if (config.DATABASE_TRANSACTION_POOLING) dropStatementNames(pgPool(db));
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
 * Brings the schema up to date: ours (TypeORM migrations) and the job queue's. An advisory lock
 * makes concurrent start-ups of several processes take turns. It is transaction-scoped, held by a
 * transaction left open on a connection of its own while the migrations run on others: a
 * session-level lock behind a transaction pooler (PgBouncer) was taken on one server connection
 * and its unlock ran on another ("you don't own a lock"), leaving it held on a pooled connection
 * and the next host waiting minutes to start; an open transaction keeps its server connection.
 * With `runtimeRole` (`db` being the owner's connection), that role is then granted what the app
 * needs (runtime-role.ts).
 */
export async function migrateAll(db: DataSource, log: Logger, opts: { runtimeRole?: string } = {}): Promise<void> {
  const holder = await pgPool(db).connect();
  let broken: Error | undefined;
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(4242001)');
    const ran = await migrate(db);
    if (ran.length) log.info({ migrations: ran }, 'migrations applied');
    await migrateQueue(pgPool(db));
    if (opts.runtimeRole) await grantRuntimeRole((sql) => db.query(sql), opts.runtimeRole);
  } finally {
    await holder.query('COMMIT').catch((err: Error) => (broken = err));
    holder.release(broken);
  }
}

/**
 * Migrates as the schema's owner: MIGRATION_DATABASE_URL's role when it is set (on a connection
 * of its own, closed afterwards, then granting DATABASE_URL's role what it needs), otherwise
 * through `db` itself, the single role of today.
 */
export async function migrateWith(
  entities: EntityList,
  config: Pick<Config, 'MIGRATION_DATABASE_URL' | 'DATABASE_URL'>,
  db: DataSource,
  log: Logger,
): Promise<void> {
  if (!config.MIGRATION_DATABASE_URL) return migrateAll(db, log);
  const owner = buildDataSource(entities, config.MIGRATION_DATABASE_URL, {
    poolSize: 2,
    applicationName: 'undersigned-migrate',
  });
  await owner.initialize();
  try {
    await migrateAll(owner, log, { runtimeRole: databaseRole(config.DATABASE_URL)! });
  } finally {
    await owner.destroy();
  }
}
