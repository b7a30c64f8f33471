import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { migrations } from '../../../migrations';

/** TypeORM entity classes; the composition (src/app/data-source.ts) passes each feature's own. */
export type EntityList = Array<new () => object>;

/**
 * Every connection of the pool with a listener for its 'error' event, from the first: a
 * connection cut while a library holds it without one (graphile-worker drops its listener on its
 * LISTEN connection, then sends UNLISTEN on it) would otherwise throw the error at the process
 * and end it. The query that was running still fails, and the pool drops the broken connection.
 * pgPool() adds the same listener, but only to connections made after its first call, and
 * TypeORM makes its first one while initializing.
 */
class PoolClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** A data source for these entities, with our migrations; nothing connects until initialize(). */
export function buildDataSource(
  entities: EntityList,
  url: string,
  opts: { poolSize?: number; applicationName?: string } = {},
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    // Schema changes only through migrations, run under TypeORM's lock at start-up.
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: opts.applicationName ?? 'undersigned',
    extra: { max: opts.poolSize ?? 10, connectionTimeoutMillis: 5000, Client: PoolClient },
  });
}

/** Runs pending migrations; TypeORM wraps them in one transaction. */
export async function migrate(ds: DataSource): Promise<string[]> {
  const ran = await ds.runMigrations({ transaction: 'all' });
  return ran.map((m) => m.name);
}

export type Tx = EntityManager;

/** Everything that must happen together, including enqueueing the email it causes. */
export function inTransaction<T>(ds: DataSource, work: (tx: Tx) => Promise<T>): Promise<T> {
  return ds.transaction(work);
}
