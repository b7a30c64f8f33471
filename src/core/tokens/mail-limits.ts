import type { Config } from '../../platform/config';
import type { LimitRule } from '../../platform/web/rate-limits';

/**
 * Every request that makes the site mail a link to an address (signing, a manage link, my
 * signatures, an organiser's sign-in) is counted per network and per address, an hour at a time.
 * The names are the counters' since the first release (rows in `rate_limits` carry the prefixes).
 */
export function mailRequestRules(config: Config): { perNetwork: LimitRule; perAddress: LimitRule } {
  return {
    perNetwork: { name: 'sign-ip', prefix: 'sign-ip', points: config.SIGN_LIMIT_PER_IP_PER_HOUR, seconds: 3600 },
    perAddress: {
      name: 'sign-email',
      prefix: 'sign-email',
      points: config.SIGN_LIMIT_PER_EMAIL_PER_HOUR,
      seconds: 3600,
    },
  };
}
