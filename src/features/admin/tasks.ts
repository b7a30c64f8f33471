import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import type { AppContext } from '../../platform/context';
import { TASK_REVIEW_DECISION_EMAIL, type ReviewDecisionEmailJob } from './moderation.service';
import { sendReviewDecisionEmail } from './review-email.task';

/** An address typed at /start and never signed in with is kept this long (its link lasts 15 minutes). */
export const UNCONFIRMED_ORGANISER_HOURS = 24;

/**
 * Forgets the accounts /start made for addresses that never signed in: someone may type another
 * person's address, and nothing of it should stay. Never an admin's, never one on a letter's team.
 */
export async function forgetUnconfirmedOrganisers(ctx: AppContext): Promise<number> {
  const [, n] = await ctx.db.query<[unknown, number]>(
    `DELETE FROM organisers o
      WHERE o.unconfirmed_since < now() - make_interval(hours => $1) AND NOT o.is_admin
        AND NOT EXISTS (SELECT 1 FROM letter_organisers lo WHERE lo.organiser_id = o.id)`,
    [UNCONFIRMED_ORGANISER_HOURS],
  );
  if (n) ctx.log.info({ forgotten: n }, 'unconfirmed organisers forgotten');
  return n;
}

/** The decisions' emails to starters, and the forgetting of addresses never confirmed. */
export function adminJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_REVIEW_DECISION_EMAIL]: async (payload) => {
        await sendReviewDecisionEmail(ctx, mailer, payload as ReviewDecisionEmailJob);
      },
    },
    chores: [
      {
        everyMs: 3_600_000,
        run: () => forgetUnconfirmedOrganisers(ctx).then(() => undefined),
        failure: 'unconfirmed organisers sweep failed',
      },
    ],
  };
}
