import type { Feature } from '../../platform/feature';
import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { letterPreview } from '../letter-page';
import { startRouter } from './start.router';
import { sendStartSignInEmail, TASK_START_SIGN_IN_EMAIL, type StartSignInJob } from './start.service';

export { similarLetters, SIMILAR_LIMIT, type SimilarLetter } from './similar.service';
export { createStartedLetter, slugFor, TASK_START_SIGN_IN_EMAIL } from './start.service';

function startJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_START_SIGN_IN_EMAIL]: async (payload) => {
        await sendStartSignInEmail(ctx, mailer, payload as StartSignInJob);
      },
    },
  };
}

/**
 * The feature, as the app composes it (src/app/features.ts): `/start`, where a person asks for a
 * sign-in link and starts a letter with a guided form, previews it, sees similar letters already
 * here, and sends it for review; and answers the admins' decisions.
 */
export const feature: Feature = {
  name: 'start',
  jobs: startJobs,
  views: ['start'],
  messages: ['start'],
  routes: (ctx, provided) => ({
    pages: [startRouter({ ctx, preview: letterPreview(ctx), templates: provided.letterTemplates })],
  }),
};
