import type { Feature } from '../../platform/feature';
import { cosponsorsRouter } from './cosponsors.router';
import { cosponsorJobs } from './tasks';

export {
  confirmSupport,
  COSPONSOR_CONFIRM_DAYS,
  COSPONSOR_KEEP_DAYS,
  COSPONSOR_LIMITS,
  cosponsorLinkPath,
  cosponsorProgress,
  eraseSupporter,
  eraseSupporters,
  inviteSupportersToSign,
} from './cosponsors.service';
export { cosponsorsRouter } from './cosponsors.router';

/** The feature, as the app composes it (src/app/features.ts): the co-sponsors a new letter may need. */
export const feature: Feature = {
  name: 'cosponsors',
  jobs: cosponsorJobs,
  views: ['cosponsors'],
  messages: ['cosponsors'],
  routes: (ctx) => ({ pages: [cosponsorsRouter(ctx)] }),
};
