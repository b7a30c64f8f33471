import Redis from 'ioredis';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Pool } from 'pg';
import { pgPool } from '../db/pool';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';

export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Counters shared by every process: in PostgreSQL by default, in Redis when REDIS_URL is set.
 * Keys carry only keyed hashes of addresses and IPs, never the values themselves.
 */
export interface SignLimits {
  /** Sign-in and manage-link requests per network (limitKeyForIp) and hour. */
  perIp(networkKey: string): Promise<LimitResult>;
  perEmail(emailKey: string): Promise<LimitResult>;
  /**
   * Charges an upload's bytes to the network's hourly /verify budget (counted in KiB, at least
   * one). Before reading: beyond the budget the upload is refused and nothing is charged.
   * `afterRead`: bytes already read are charged whatever the budget says.
   */
  verifyUploadBytes(networkKey: string, bytes: number, opts?: { afterRead?: boolean }): Promise<LimitResult>;
  /** The same, for the PDFs addressees attach to their responses (`/r/<token>/response`): a budget of its own. */
  responseUploadBytes(networkKey: string, bytes: number, opts?: { afterRead?: boolean }): Promise<LimitResult>;
  /** Downloads of the delivered list per recipient link and hour. */
  recipientDownload(linkId: string): Promise<LimitResult>;
  /** The hard per-IP limit on every POST: beyond it the request is refused (429). */
  flood(networkKey: string): Promise<LimitResult>;
  /** Requests per API token (its id) and minute. */
  apiToken(tokenId: string): Promise<LimitResult>;
  /**
   * Consumes one point from each named counter, all together: ONE statement in PostgreSQL, so a
   * signature pays one round trip for its flood, per-email and soft counters. Results come in
   * the order of `checks`.
   */
  consume(checks: Array<[LimitName, string]>): Promise<LimitResult[]>;
  /**
   * The same counters as a batch for a statement that consumes them itself (consumeCountersSql),
   * so that the caller's own write goes in the same round trip; null when the counters are not in
   * PostgreSQL (REDIS_URL): then `consume` is the way.
   */
  inStatement(checks: Array<[LimitName, string]>): CounterBatch | null;
  close(): Promise<void>;
}

/** The names double as the `held_reason` of a signature that tripped them. */
export const SOFT_LIMITS = [
  'burst-ip',
  'sustained-ip',
  'burst-email',
  'sustained-email',
  'burst-domain',
  'sustained-domain',
] as const;
export type SoftLimit = (typeof SOFT_LIMITS)[number];
/** Every counter: the hard ones (refuse or drop) and the soft ones (hold for review). */
export type LimitName = 'flood' | 'sign-ip' | 'sign-email' | SoftLimit;

interface LimitRule {
  prefix: string;
  points: number;
  seconds: number;
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
  checks: Array<{ name: LimitName; key: string; points: number }>;
}

function counterBatch(items: Array<LimitRule & { name: LimitName; key: string }>): CounterBatch {
  const now = Date.now();
  const rows = items.map((it) => ({
    name: it.name,
    key: `${it.prefix}:${it.key}`,
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
async function consumeManyPostgres(
  pool: Pool,
  items: Array<LimitRule & { name: LimitName; key: string }>,
): Promise<LimitResult[]> {
  if (!items.length) return [];
  const batch = counterBatch(items);
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

export function createSignLimits(db: DataSource, config: Config): SignLimits {
  const hour = 3600;
  let redis: Redis | null = null;
  const make = (keyPrefix: string, points: number, duration = hour): RateLimiterAbstract => {
    if (config.REDIS_URL) {
      redis ??= new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration });
    }
    return new RateLimiterPostgres({
      storeClient: pgPool(db),
      tableName: 'rate_limits',
      tableCreated: true, // made by a migration
      clearExpiredByTimeout: false, // the worker clears expired rows
      keyPrefix,
      points,
      duration,
    });
  };
  const minute = 60;
  const rules: Record<LimitName, LimitRule> = {
    flood: { prefix: 'flood-ip', points: config.FLOOD_LIMIT_PER_IP_PER_MINUTE, seconds: minute },
    'sign-ip': { prefix: 'sign-ip', points: config.SIGN_LIMIT_PER_IP_PER_HOUR, seconds: hour },
    'sign-email': { prefix: 'sign-email', points: config.SIGN_LIMIT_PER_EMAIL_PER_HOUR, seconds: hour },
    'burst-ip': { prefix: 'soft-burst-ip', points: config.SIGN_BURST_PER_IP_PER_MINUTE, seconds: minute },
    'sustained-ip': { prefix: 'soft-sustained-ip', points: config.SIGN_LIMIT_PER_IP_PER_HOUR, seconds: hour },
    'burst-email': { prefix: 'soft-burst-email', points: config.SIGN_BURST_PER_EMAIL_PER_MINUTE, seconds: minute },
    'sustained-email': {
      prefix: 'soft-sustained-email',
      points: config.SIGN_SUSTAINED_PER_EMAIL_PER_HOUR,
      seconds: hour,
    },
    'burst-domain': { prefix: 'soft-burst-domain', points: config.SIGN_BURST_PER_DOMAIN_PER_MINUTE, seconds: minute },
    'sustained-domain': {
      prefix: 'soft-sustained-domain',
      points: config.SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR,
      seconds: hour,
    },
  };
  const limiters = Object.fromEntries(
    (Object.keys(rules) as LimitName[]).map((name) => [
      name,
      make(rules[name].prefix, rules[name].points, rules[name].seconds),
    ]),
  ) as Record<LimitName, RateLimiterAbstract>;
  /** An hourly budget of bytes, counted in KiB (at least one per upload). */
  const byteBudget = (prefix: string, megabytes: number) => {
    const kibLimiter = make(prefix, megabytes * 1024);
    return async (key: string, bytes: number, opts: { afterRead?: boolean } = {}): Promise<LimitResult> => {
      const kib = Math.max(1, Math.ceil(bytes / 1024));
      if (opts.afterRead) {
        await kibLimiter.penalty(key, kib);
        return { ok: true };
      }
      const result = await consume(kibLimiter, key, kib);
      // A refused upload is not read, so it costs nothing: the budget is as it was.
      if (!result.ok) await kibLimiter.reward(key, kib);
      return result;
    };
  };
  const verifyUploadBytes = byteBudget('verify-kib', config.VERIFY_UPLOAD_MB_PER_NETWORK_PER_HOUR);
  const responseUploadBytes = byteBudget('response-kib', config.RESPONSE_UPLOAD_MB_PER_NETWORK_PER_HOUR);
  const apiToken = make('api-token', config.API_REQUESTS_PER_TOKEN_PER_MINUTE, minute);
  const recipientDownload = make('recipient-download', config.RECIPIENT_DOWNLOADS_PER_LINK_PER_HOUR);
  return {
    verifyUploadBytes,
    responseUploadBytes,
    perIp: (key) => consume(limiters['sign-ip'], key),
    perEmail: (key) => consume(limiters['sign-email'], key),
    flood: (key) => consume(limiters.flood, key),
    apiToken: (key) => consume(apiToken, key),
    recipientDownload: (key) => consume(recipientDownload, key),
    consume: (checks) =>
      config.REDIS_URL
        ? Promise.all(checks.map(([name, key]) => consume(limiters[name], key)))
        : consumeManyPostgres(
            pgPool(db),
            checks.map(([name, key]) => ({ ...rules[name], name, key })),
          ),
    inStatement: (checks) =>
      config.REDIS_URL ? null : counterBatch(checks.map(([name, key]) => ({ ...rules[name], name, key }))),
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
