import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import {
  dropOldPublicListFiles,
  makePublicListFile,
  type PublicListFileJob,
  TASK_PUBLIC_LIST_FILE,
} from './public-list-file.service';
import { sendFeaturedEmail } from './featured-email.task';
import { type FeaturedEmailJob, TASK_FEATURED_EMAIL } from './notable.service';
import { recomputeAffiliations, TASK_AFFILIATIONS } from './affiliations.service';

/**
 * The public CSV: made in the slow runner (seconds on a large letter), and old files dropped each
 * minute. The email to a featured signer goes with the other signers' emails; the check of a
 * letter's earlier signatures against a new affiliation entry runs in the slow runner (batches
 * over every confirmed signature of the letter).
 */
export function signatoriesJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_FEATURED_EMAIL]: async (payload) => {
        await sendFeaturedEmail(ctx, mailer, payload as FeaturedEmailJob);
      },
    },
    slowTasks: {
      [TASK_PUBLIC_LIST_FILE]: async (payload) => {
        await makePublicListFile(ctx, payload as PublicListFileJob);
      },
      [TASK_AFFILIATIONS]: async (payload) => {
        const { letterId } = payload as { letterId: string };
        const added = await recomputeAffiliations(ctx.db, letterId);
        ctx.log.info({ letterId, added }, 'affiliations checked');
      },
    },
    chores: [
      { everyMs: 60_000, run: () => dropOldPublicListFiles(ctx.db), failure: 'old public list files not dropped' },
    ],
  };
}
