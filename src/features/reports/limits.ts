import type { LimitRule } from '../../platform/web/rate-limits';

/**
 * Reports per network and hour. A reader reports a letter once; a network that sends more is
 * filling the admins' queue, not warning them.
 */
export const REPORTS_PER_NETWORK_PER_HOUR = 5;

export const reportRule: LimitRule = {
  name: 'letter-report',
  prefix: 'letter-report',
  points: REPORTS_PER_NETWORK_PER_HOUR,
  seconds: 3600,
};
