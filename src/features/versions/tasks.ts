import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { sendTextChangeEmail } from './text-change-email.task';
import { computeTextDiffs } from './text-diffs.service';
import { fanOutTextChange } from './text-versions.service';
import {
  TASK_TEXT_CHANGE_EMAIL,
  TASK_TEXT_CHANGE_FANOUT,
  TASK_TEXT_DIFFS,
  type TextChangeEmailJob,
  type TextChangeFanoutJob,
  type TextDiffsJob,
} from './versions.queue';

/** The change notice: a fan-out over the signers of the changed text, then one email each; and the word diffs. */
export function versionJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_TEXT_CHANGE_FANOUT]: async (payload) => {
        await fanOutTextChange(ctx, payload as TextChangeFanoutJob);
      },
      [TASK_TEXT_CHANGE_EMAIL]: async (payload) => {
        await sendTextChangeEmail(ctx, mailer, payload as TextChangeEmailJob);
      },
    },
    // Seconds of a thread's CPU each: among the slow work, never in a place an email waits for.
    slowTasks: {
      [TASK_TEXT_DIFFS]: async (payload) => {
        await computeTextDiffs(ctx, payload as TextDiffsJob);
      },
    },
  };
}
