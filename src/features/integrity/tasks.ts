import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { foldIntegrityDeltas } from './integrity.service';

/** Folding the integrity deltas the signatures' triggers write, as often as the count deltas. */
export function integrityJobs({ ctx, foldEveryMs }: JobDeps): FeatureJobs {
  return {
    chores: [
      { everyMs: foldEveryMs ?? 2000, run: () => foldIntegrityDeltas(ctx.db), failure: 'integrity fold failed' },
    ],
  };
}
