import 'reflect-metadata';
import { DataSource, type EntityManager } from 'typeorm';
import { migrations } from '../../../migrations';

/** TypeORM entity classes; the composition (src/app/data-source.ts) passes each feature's own. */
export type EntityList = Array<new () => object>;

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
    extra: { max: opts.poolSize ?? 10, connectionTimeoutMillis: 5000 },
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
