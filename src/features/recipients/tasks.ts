import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { sendRecipientLinkEmail } from './recipient-email.task';
import { TASK_RECIPIENT_LINK_EMAIL, type RecipientLinkEmailJob } from './recipients.queue';

/** The email that carries a recipient link, when its owner asked the platform to send it. */
export function recipientJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_RECIPIENT_LINK_EMAIL]: async (payload) => {
        await sendRecipientLinkEmail(ctx, mailer, payload as RecipientLinkEmailJob);
      },
    },
  };
}
