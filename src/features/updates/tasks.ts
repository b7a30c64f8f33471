import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import {
  DAILY_DIGEST_CRONTAB,
  runDailyDigest,
  sendOwnerDigest,
  TASK_DAILY_DIGEST,
  TASK_OWNER_DIGEST_EMAIL,
  type OwnerDigestJob,
} from './digest.service';
import { sendUpdateEmail } from './update-email.task';
import { TASK_UPDATE_EMAIL, TASK_UPDATE_FANOUT, type FanoutJob, type UpdateEmailJob } from './updates.queue';
import { fanOut } from './updates.service';

/** Organisers' updates to signers (fan-out, then one email each) and the owners' daily digest. */
export function updateJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_UPDATE_FANOUT]: async (payload) => {
        await fanOut(ctx, payload as FanoutJob);
      },
      [TASK_UPDATE_EMAIL]: async (payload) => {
        await sendUpdateEmail(ctx, mailer, payload as UpdateEmailJob);
      },
      [TASK_DAILY_DIGEST]: async () => {
        await runDailyDigest(ctx);
      },
      [TASK_OWNER_DIGEST_EMAIL]: async (payload) => {
        await sendOwnerDigest(ctx, mailer, payload as OwnerDigestJob);
      },
    },
    crontab: [DAILY_DIGEST_CRONTAB],
  };
}
