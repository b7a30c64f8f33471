import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The pg Pool under a TypeORM DataSource, for the libraries that take one (job queue, rate
 * limits). An idle client whose server went away (a PostgreSQL restart) must not crash the
 * process: the pool drops it and the next query gets a fresh connection.
 */
export function pgPool(db: DataSource): Pool {
  const pool = (db.driver as unknown as { master: Pool }).master;
  if (!pool.listenerCount('error')) pool.on('error', () => undefined);
  if (!pool.listenerCount('connect')) pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
