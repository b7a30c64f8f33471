import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { sendMySignaturesLink } from './my-signatures-email.task';
import { sweepExpiredLinks, TASK_MY_SIGNATURES_EMAIL, type MySignaturesEmailJob } from './my-signatures.service';

/** The emailed link to one's signatures, and deleting the requests a day after they expire. */
export function mySignaturesJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_MY_SIGNATURES_EMAIL]: async (payload) => {
        await sendMySignaturesLink(ctx, mailer, payload as MySignaturesEmailJob);
      },
    },
    chores: [{ everyMs: 10 * 60_000, run: () => sweepExpiredLinks(ctx), failure: 'my-signatures sweep failed' }],
  };
}
