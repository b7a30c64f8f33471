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

const UNNAMED = Symbol('unnamed statements');

/**
 * Makes the pool's `query` drop statement names, ours and those of the libraries we hand the
 * pool (rate-limiter-flexible), for a DATABASE_URL that goes through a transaction pooler
 * without prepared-statement support (PgBouncer before 1.21, Debian 12's 1.18): there consecutive
 * statements of one client run on whichever server connection is free, and a statement prepared
 * on one is missing on the next ("prepared statement … does not exist") or prepared twice
 * ("already exists"). Unnamed, each is parsed and planned with its execution, on the same
 * connection, at a cost measured by bench/named-statements.ts (docs/scaling.md).
 */
export function dropStatementNames(pool: Pool): void {
  const marked = pool as Pool & { [UNNAMED]?: true };
  if (marked[UNNAMED]) return;
  marked[UNNAMED] = true;
  const query = pool.query.bind(pool) as (config: unknown, values?: unknown) => Promise<unknown>;
  const unnamed = (config: unknown, values?: unknown) => {
    if (typeof config === 'object' && config !== null && 'name' in config && 'text' in config) {
      const { name: _name, ...rest } = config as QueryConfig;
      return query(rest, values);
    }
    return query(config, values);
  };
  pool.query = unnamed as Pool['query'];
}
