import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { pruneCountHours } from './history.service';

/** Once an hour, the count's hours older than the hourly week go (their days stay). */
export function historyJobs({ ctx }: JobDeps): FeatureJobs {
  return {
    chores: [{ everyMs: 3_600_000, run: () => pruneCountHours(ctx.db), failure: 'count hours pruning failed' }],
  };
}
