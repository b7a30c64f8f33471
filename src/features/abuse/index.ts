import type { Feature } from '../../platform/feature';
import { challengeRouter } from './challenge.router';
import { allowListRouter } from './allow-list.router';
import { challengeModeRouter } from './challenge-mode.router';
import { abuseJobs } from './tasks';

export {
  addAllowedNetwork,
  type HeldReason,
  holdReason,
  isAllowedNetwork,
  listAllowedNetworks,
  removeAllowedNetwork,
  softChecks,
} from './abuse.service';
export { allowListAddSchema } from './allow-list.schema';
export { consumeFlood, floodLimit } from './flood.middleware';
export { floodRule, SOFT_LIMITS, type SoftLimit } from './limits';
export { decideEmail } from './typo-hint';
export {
  acceptSolution,
  CHALLENGE_ALGORITHM,
  challengeModeChanges,
  challengeModeState,
  isChallengeMode,
  issueChallenge,
  leaveQuietLetters,
  setChallengeMode,
  sweepExpiredSolutions,
  weighRecentSigning,
} from './challenge.service';
export { challengeRouter } from './challenge.router';
export { abuseJobs } from './tasks';
export { allowListRouter } from './allow-list.router';
export { challengeModeRouter } from './challenge-mode.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'abuse',
  jobs: abuseJobs,
  views: ['abuse'],
  messages: ['abuse'],
  routes: (ctx) => ({ pages: [challengeRouter(ctx), allowListRouter(ctx), challengeModeRouter(ctx)] }),
};
