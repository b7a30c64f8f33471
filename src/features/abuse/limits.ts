import type { Config } from '../../platform/config';
import type { LimitRule } from '../../platform/web/rate-limits';

const MINUTE = 60;
const HOUR = 3600;

/** The hard per-network limit on every POST (src/features/abuse/flood.middleware.ts). */
export function floodRule(config: Config): LimitRule {
  return { name: 'flood', prefix: 'flood-ip', points: config.FLOOD_LIMIT_PER_IP_PER_MINUTE, seconds: MINUTE };
}

/** The soft counters of signing: tripping one holds the signature for review. */
export const SOFT_LIMITS = [
  'burst-ip',
  'sustained-ip',
  'burst-email',
  'sustained-email',
  'burst-domain',
  'sustained-domain',
] as const;
/** The names double as the `held_reason` of a signature that tripped them. */
export type SoftLimit = (typeof SOFT_LIMITS)[number];

export type SoftRule = LimitRule & { name: SoftLimit };

export function softRules(config: Config): Record<SoftLimit, SoftRule> {
  const rule = (name: SoftLimit, points: number, seconds: number): SoftRule => ({
    name,
    prefix: `soft-${name}`,
    points,
    seconds,
  });
  return {
    'burst-ip': rule('burst-ip', config.SIGN_BURST_PER_IP_PER_MINUTE, MINUTE),
    'sustained-ip': rule('sustained-ip', config.SIGN_LIMIT_PER_IP_PER_HOUR, HOUR),
    'burst-email': rule('burst-email', config.SIGN_BURST_PER_EMAIL_PER_MINUTE, MINUTE),
    'sustained-email': rule('sustained-email', config.SIGN_SUSTAINED_PER_EMAIL_PER_HOUR, HOUR),
    'burst-domain': rule('burst-domain', config.SIGN_BURST_PER_DOMAIN_PER_MINUTE, MINUTE),
    'sustained-domain': rule('sustained-domain', config.SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR, HOUR),
  };
}
