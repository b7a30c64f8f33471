import { foldCountDeltas } from '../../core/letters/counts.service';
import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { sendSignatureEmail, TASK_SIGNATURE_EMAIL, type SignatureEmailJob } from './signature-email.task';

/** Signers' emails (confirm, reminder, already signed, manage), and folding the count deltas signing writes. */
export function signatureJobs({ ctx, mailer, foldEveryMs }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_SIGNATURE_EMAIL]: async (payload) => {
        await sendSignatureEmail(ctx, mailer, payload as SignatureEmailJob);
      },
    },
    chores: [{ everyMs: foldEveryMs ?? 2000, run: () => foldCountDeltas(ctx.db), failure: 'count fold failed' }],
  };
}
