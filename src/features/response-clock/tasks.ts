import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import {
  queueDueReminders,
  RESPONSE_REMINDERS_CRONTAB,
  sendReminderEmail,
  TASK_RESPONSE_REMINDER_EMAIL,
  TASK_RESPONSE_REMINDERS,
  type ReminderEmailJob,
} from './reminders.service';
import {
  PROGRESS_DIGESTS_CRONTAB,
  queueDueProgressDigests,
  sendProgressDigestEmail,
  TASK_PROGRESS_DIGEST_EMAIL,
  TASK_PROGRESS_DIGESTS,
  type ProgressDigestJob,
} from './progress.service';

/**
 * The reminders to addressees, and the progress digests before the delivery: each picked hourly
 * by the crontab, then one email job per message.
 */
export function responseClockJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_RESPONSE_REMINDERS]: async () => {
        await queueDueReminders(ctx);
      },
      [TASK_RESPONSE_REMINDER_EMAIL]: async (payload) => {
        await sendReminderEmail(ctx, mailer, payload as ReminderEmailJob);
      },
      [TASK_PROGRESS_DIGESTS]: async () => {
        await queueDueProgressDigests(ctx);
      },
      [TASK_PROGRESS_DIGEST_EMAIL]: async (payload) => {
        await sendProgressDigestEmail(ctx, mailer, payload as ProgressDigestJob);
      },
    },
    crontab: [RESPONSE_REMINDERS_CRONTAB, PROGRESS_DIGESTS_CRONTAB],
  };
}
