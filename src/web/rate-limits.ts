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
  /** The hard per-IP limit on every POST: beyond it the request is refused (429). */
  flood(originHash: string): Promise<LimitResult>;
  /** Soft signing limits: beyond one, a signature is still taken but held for review. */
  soft(name: SoftLimit, key: string): Promise<LimitResult>;
  close(): Promise<void>;
}

/** The names double as the `held_reason` of a signature that tripped them. */
export const SOFT_LIMITS = ['burst-ip', 'sustained-ip', 'burst-email', 'sustained-email', 'burst-domain', 'sustained-domain'] as const;
export type SoftLimit = (typeof SOFT_LIMITS)[number];

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
  const ip = make('sign-ip', config.SIGN_LIMIT_PER_IP_PER_HOUR);
  const email = make('sign-email', config.SIGN_LIMIT_PER_EMAIL_PER_HOUR);
  const flood = make('flood-ip', config.FLOOD_LIMIT_PER_IP_PER_MINUTE, minute);
  const soft: Record<SoftLimit, RateLimiterAbstract> = {
    'burst-ip': make('soft-burst-ip', config.SIGN_BURST_PER_IP_PER_MINUTE, minute),
    'sustained-ip': make('soft-sustained-ip', config.SIGN_LIMIT_PER_IP_PER_HOUR),
    'burst-email': make('soft-burst-email', config.SIGN_BURST_PER_EMAIL_PER_MINUTE, minute),
    'sustained-email': make('soft-sustained-email', config.SIGN_SUSTAINED_PER_EMAIL_PER_HOUR),
    'burst-domain': make('soft-burst-domain', config.SIGN_BURST_PER_DOMAIN_PER_MINUTE, minute),
    'sustained-domain': make('soft-sustained-domain', config.SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR),
  };
  return {
    perIp: (key) => consume(ip, key),
    perEmail: (key) => consume(email, key),
    flood: (key) => consume(flood, key),
    soft: (name, key) => consume(soft[name], key),
    async close() {
      if (redis) await redis.quit();
    },
  };
}
