import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import {
  queueDueReminders,
  RESPONSE_REMINDERS_CRONTAB,
  sendReminderEmail,
  TASK_RESPONSE_REMINDER_EMAIL,
  TASK_RESPONSE_REMINDERS,
  type ReminderEmailJob,
} from './reminders.service';

/** The reminders to addressees: picked hourly by the crontab, then one email job each. */
export function responseClockJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_RESPONSE_REMINDERS]: async () => {
        await queueDueReminders(ctx);
      },
      [TASK_RESPONSE_REMINDER_EMAIL]: async (payload) => {
        await sendReminderEmail(ctx, mailer, payload as ReminderEmailJob);
      },
    },
    crontab: [RESPONSE_REMINDERS_CRONTAB],
  };
}
