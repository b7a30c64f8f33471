import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { leaveQuietLetters, sweepExpiredSolutions } from './challenge.service';

/** Challenge mode ends by itself after a quiet period; used solutions are kept only while their challenge lives. */
export function abuseJobs({ ctx }: JobDeps): FeatureJobs {
  return {
    chores: [
      { everyMs: 60_000, run: () => leaveQuietLetters(ctx), failure: 'challenge mode quiet-period check failed' },
      {
        everyMs: 300_000,
        run: () => sweepExpiredSolutions(ctx.db),
        failure: 'expired challenge solutions sweep failed',
      },
    ],
  };
}
