import type { FeatureJobs, JobDeps } from '../mail/queue';
import { sendTextChangeEmail } from './text-change-email.task';
import { fanOutTextChange } from './text-versions.service';
import { TASK_TEXT_CHANGE_EMAIL, TASK_TEXT_CHANGE_FANOUT, type TextChangeEmailJob, type TextChangeFanoutJob } from './versions.queue';

/** The change notice: a fan-out over the signers of the changed text, then one email each. */
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
  };
}
