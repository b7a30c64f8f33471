import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { applyAutoRelease } from './held-queue.service';
import { sendTeamInvitationEmail } from './invitation-email.task';
import { pruneInvitations, TASK_TEAM_INVITATION_EMAIL, type TeamInvitationJob } from './invitations.service';
import { pruneSessions } from '../../core/access/session';
import { sendSignInEmail } from '../../core/access/sign-in-email.task';
import { TASK_ORGANISER_SIGN_IN_EMAIL, type SignInEmailJob } from '../../core/access/sign-in.service';

/**
 * Sign-in links and team invitations; expired sessions and invitations only take room; the held
 * queue's release rule, applied every half minute (rows another worker holds are skipped).
 */
export function organiserJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_ORGANISER_SIGN_IN_EMAIL]: async (payload) => {
        await sendSignInEmail(ctx, mailer, payload as SignInEmailJob);
      },
      [TASK_TEAM_INVITATION_EMAIL]: async (payload) => {
        await sendTeamInvitationEmail(ctx, mailer, payload as TeamInvitationJob);
      },
    },
    chores: [
      {
        everyMs: 60_000,
        run: () => pruneSessions(ctx).then(() => pruneInvitations(ctx)),
        failure: 'expired sessions sweep failed',
      },
      { everyMs: 30_000, run: () => applyAutoRelease(ctx), failure: 'held release rule failed' },
    ],
  };
}
