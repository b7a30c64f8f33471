import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import {
  dropOldPublicListFiles,
  makePublicListFile,
  type PublicListFileJob,
  TASK_PUBLIC_LIST_FILE,
} from './public-list-file.service';

/** The public CSV: made in the slow runner (seconds on a large letter), and old files dropped each minute. */
export function signatoriesJobs({ ctx }: JobDeps): FeatureJobs {
  return {
    slowTasks: {
      [TASK_PUBLIC_LIST_FILE]: async (payload) => {
        await makePublicListFile(ctx, payload as PublicListFileJob);
      },
    },
    chores: [
      { everyMs: 60_000, run: () => dropOldPublicListFiles(ctx.db), failure: 'old public list files not dropped' },
    ],
  };
}
