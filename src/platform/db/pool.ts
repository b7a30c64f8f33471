import { Pool as PgPool, type Pool, type PoolConfig, type QueryConfig } from 'pg';
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

const timedPools = new WeakMap<DataSource, Map<number, Pool>>();

/**
 * A few connections of their own whose every statement PostgreSQL stops after `ms`
 * (statement_timeout, set as each connects), for a stranger's query whose cost its parameters
 * decide (a search): one round trip where a transaction on the shared pool takes four (BEGIN,
 * SET LOCAL, the query, COMMIT). At most `max` such queries run at once; the rest wait for a
 * connection. Null behind a transaction pooler, which refuses settings at connection
 * (`dropStatementNames` marked the pool): there the caller sets the limit in a transaction. The
 * connections close with the data source.
 */
export function timedPool(db: DataSource, ms: number, max = 4): Pool | null {
  const shared = pgPool(db) as Pool & { [UNNAMED]?: true; options: PoolConfig };
  if (shared[UNNAMED]) return null;
  let byLimit = timedPools.get(db);
  if (!byLimit) {
    const pools = new Map<number, Pool>();
    byLimit = pools;
    timedPools.set(db, pools);
    const destroy = db.destroy.bind(db);
    db.destroy = async () => {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
      pools.clear();
      return destroy();
    };
  }
  let pool = byLimit.get(ms);
  if (!pool) {
    pool = new PgPool({
      ...shared.options,
      max: Math.min(max, shared.options.max ?? max),
      statement_timeout: ms,
      allowExitOnIdle: true,
    });
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    byLimit.set(ms, pool);
  }
  return pool;
}
