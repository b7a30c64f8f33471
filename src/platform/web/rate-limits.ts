import Redis from 'ioredis';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Pool } from 'pg';
import { pgPool } from '../db/pool';
import type { DataSource } from 'typeorm';

export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * What one counter allows: `points` per `seconds`, stored under `prefix:<key>`. Each feature names
 * and sizes its own (signing's, the flood limit, the upload budgets); `name` is how the caller
 * tells results apart.
 */
export interface LimitRule {
  name: string;
  prefix: string;
  points: number;
  seconds: number;
}

/**
 * Counters shared by every process: in PostgreSQL by default, in Redis when REDIS_URL is set.
 * It counts what it is told to: the rules come from the features. Keys carry only keyed hashes
 * of addresses and IPs, never the values themselves.
 */
export interface Limits {
  /** Consumes `points` (one unless said) from one counter. */
  consume(rule: LimitRule, key: string, points?: number): Promise<LimitResult>;
  /**
   * Charges an upload's bytes to an hourly budget counted in KiB (at least one; the rule's points
   * are KiB). Before reading: beyond the budget the upload is refused and nothing is charged.
   * `afterRead`: bytes already read are charged whatever the budget says.
   */
  chargeBytes(rule: LimitRule, key: string, bytes: number, opts?: { afterRead?: boolean }): Promise<LimitResult>;
  /**
   * Consumes one point from each counter, all together: ONE statement in PostgreSQL, so a
   * signature pays one round trip for its flood, per-email and soft counters. Results come in
   * the order of `checks`.
   */
  consumeAll(checks: Array<[LimitRule, string]>): Promise<LimitResult[]>;
  /**
   * The same counters as a batch for a statement that consumes them itself (consumeCountersSql),
   * so that the caller's own write goes in the same round trip; null when the counters are not in
   * PostgreSQL (REDIS_URL): then `consumeAll` is the way.
   */
  inStatement(checks: Array<[LimitRule, string]>): CounterBatch | null;
  close(): Promise<void>;
}

/**
 * Counters to consume together, as the statement of `consumeCountersSql` takes them: the keys in
 * sorted order (so that concurrent requests lock rows in one order and cannot deadlock), each with
 * its expiry (epoch ms) should it start now, and each check's key and allowance in the caller's order.
 */
export interface CounterBatch {
  keys: string[];
  expires: number[];
  now: number;
  checks: Array<{ name: string; key: string; points: number }>;
}

function counterBatch(checks: Array<[LimitRule, string]>): CounterBatch {
  const now = Date.now();
  const rows = checks.map(([it, key]) => ({
    name: it.name,
    key: `${it.prefix}:${key}`,
    expire: now + it.seconds * 1000,
    points: it.points,
  }));
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  const expires = keys.map((k) => rows.find((r) => r.key === k)!.expire);
  return { keys, expires, now, checks: rows.map(({ name, key, points }) => ({ name, key, points })) };
}

/**
 * Consumes one point from each counter of a batch, in ONE statement, with the same rows and the
 * same semantics as rate-limiter-flexible's PostgreSQL store (key `prefix:key`, expiry in epoch
 * ms, a counter past its expiry restarts), so single counters consumed through the library and
 * several consumed here share their rows. Parameters: the batch's keys, expiries and now, as
 * numbered here ($keys::varchar[], $expires::bigint[], $now::bigint). Returns key, points, expire.
 * A statement of its own (consumeManyPostgres) or a CTE of a larger one (signing: the counters
 * and the signature in one round trip).
 */
export function consumeCountersSql(keys: string, expires: string, now: string): string {
  return `INSERT INTO rate_limits AS r (key, points, expire)
     SELECT k, 1, e FROM unnest(${keys}::varchar[], ${expires}::bigint[]) WITH ORDINALITY AS t(k, e, n) ORDER BY n
     ON CONFLICT (key) DO UPDATE SET
       points = CASE WHEN r.expire <= ${now} THEN 1 ELSE r.points + 1 END,
       expire = CASE WHEN r.expire <= ${now} THEN excluded.expire ELSE r.expire END
     RETURNING key, points, expire`;
}

/** Each check's result, in the batch's order, from the rows the statement returned. */
export function counterResults(
  batch: CounterBatch,
  counted: Array<{ key: string; points: number; expire: string | number }>,
): LimitResult[] {
  const byKey = new Map(counted.map((c) => [c.key, c]));
  return batch.checks.map((r) => {
    const c = byKey.get(r.key);
    if (!c || c.points <= r.points) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((Number(c.expire) - batch.now) / 1000)) };
  });
}

/**
 * Consumes one point from each counter in ONE statement. A signature's eight counters used to
 * cost eight round trips and as many pool connections.
 */
async function consumeManyPostgres(pool: Pool, checks: Array<[LimitRule, string]>): Promise<LimitResult[]> {
  if (!checks.length) return [];
  const batch = counterBatch(checks);
  // Named: each connection parses and plans it once, not on every signature.
  const { rows: counted } = await pool.query<{ key: string; points: number; expire: string }>({
    name: 'rate-limits-consume-many',
    text: consumeCountersSql('$1', '$2', '$3'),
    values: [batch.keys, batch.expires, batch.now],
  });
  return counterResults(batch, counted);
}

async function consume(limiter: RateLimiterAbstract, key: string, points = 1): Promise<LimitResult> {
  try {
    await limiter.consume(key, points);
    return { ok: true };
  } catch (e) {
    if (e instanceof RateLimiterRes)
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)) };
    throw e;
  }
}

export function createLimits(db: DataSource, redisUrl: string | undefined): Limits {
  // Connected now, not at the first request: with no offline queue, a command sent before the
  // connection is up fails.
  const redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : null;
  const limiters = new Map<string, RateLimiterAbstract>();
  /** One limiter per rule, made when first used (rate-limiter-flexible checks points itself). */
  const limiter = (rule: LimitRule): RateLimiterAbstract => {
    const id = `${rule.prefix}\n${rule.points}\n${rule.seconds}`;
    let found = limiters.get(id);
    if (found) return found;
    const opts = { keyPrefix: rule.prefix, points: rule.points, duration: rule.seconds };
    if (redis) {
      found = new RateLimiterRedis({ storeClient: redis, ...opts });
    } else {
      found = new RateLimiterPostgres({
        storeClient: pgPool(db),
        tableName: 'rate_limits',
        tableCreated: true, // made by a migration
        clearExpiredByTimeout: false, // the worker clears expired rows
        ...opts,
      });
    }
    limiters.set(id, found);
    return found;
  };
  return {
    consume: (rule, key, points = 1) => consume(limiter(rule), key, points),
    async chargeBytes(rule, key, bytes, opts = {}) {
      const kib = Math.max(1, Math.ceil(bytes / 1024));
      if (opts.afterRead) {
        await limiter(rule).penalty(key, kib);
        return { ok: true };
      }
      const result = await consume(limiter(rule), key, kib);
      // A refused upload is not read, so it costs nothing: the budget is as it was.
      if (!result.ok) await limiter(rule).reward(key, kib);
      return result;
    },
    consumeAll: (checks) =>
      redisUrl
        ? Promise.all(checks.map(([rule, key]) => consume(limiter(rule), key)))
        : consumeManyPostgres(pgPool(db), checks),
    inStatement: (checks) => (redisUrl ? null : counterBatch(checks)),
    async close() {
      if (redis) await redis.quit();
    },
  };
}

/** Deletes expired counters (they only take room); the job host runs it once a minute. */
export async function sweepExpiredLimits(db: {
  query(sql: string, params: unknown[]): Promise<unknown>;
}): Promise<void> {
  await db.query('DELETE FROM rate_limits WHERE expire < $1', [Date.now()]);
}
