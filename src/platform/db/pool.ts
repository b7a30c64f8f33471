import type { Pool, QueryConfig } from 'pg';
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

/**
 * The pool's `query` with statement names dropped, for a library that names its statements
 * (rate-limiter-flexible). Behind a transaction pooler such as PgBouncer 1.18, consecutive
 * statements of one client run on whichever server connection is free: a statement prepared on
 * one is missing on the next ("prepared statement … does not exist") or prepared twice ("already
 * exists"). Unnamed, each is parsed and planned with its execution, on the same connection.
 */
export function unnamedStatements(pool: Pool): Pick<Pool, 'query'> {
  const query = (config: string | QueryConfig, values?: unknown[]) =>
    typeof config === 'object' && config !== null && 'name' in config
      ? pool.query({ text: config.text, values: config.values ?? values })
      : pool.query(config as string, values);
  return { query: query as Pool['query'] };
}
