import Redis from 'ioredis';
import {
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { pgPool } from '../db/pool';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';

export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Counters shared by every process: in PostgreSQL by default, in Redis when REDIS_URL is set.
 * Keys carry only keyed hashes of addresses and IPs, never the values themselves.
 */
export interface SignLimits {
  perIp(originHash: string): Promise<LimitResult>;
  perEmail(emailKey: string): Promise<LimitResult>;
  close(): Promise<void>;
}

async function consume(limiter: RateLimiterAbstract, key: string): Promise<LimitResult> {
  try {
    await limiter.consume(key);
    return { ok: true };
  } catch (e) {
    if (e instanceof RateLimiterRes) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)) };
    throw e;
  }
}

export function createSignLimits(db: DataSource, config: Config): SignLimits {
  const hour = 3600;
  let redis: Redis | null = null;
  const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
    if (config.REDIS_URL) {
      redis ??= new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: hour });
    }
    return new RateLimiterPostgres({
      storeClient: pgPool(db),
      tableName: 'rate_limits',
      tableCreated: true, // made by a migration
      clearExpiredByTimeout: false, // the worker clears expired rows
      keyPrefix,
      points,
      duration: hour,
    });
  };
  const ip = make('sign-ip', config.SIGN_LIMIT_PER_IP_PER_HOUR);
  const email = make('sign-email', config.SIGN_LIMIT_PER_EMAIL_PER_HOUR);
  return {
    perIp: (key) => consume(ip, key),
    perEmail: (key) => consume(email, key),
    async close() {
      if (redis) await redis.quit();
    },
  };
}
