import type { Feature } from '../../platform/feature';
import { integrityRouter } from './integrity.router';
import { integrityJobs } from './tasks';

export {
  foldIntegrityDeltas,
  integrityReport,
  verificationFunnel,
  type FunnelDay,
  type IntegrityReport,
} from './integrity.service';
export { integrityRouter } from './integrity.router';
export { integrityJobs } from './tasks';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'integrity',
  jobs: integrityJobs,
  views: ['integrity'],
  messages: ['integrity'],
  routes: (ctx) => ({ pages: [integrityRouter(ctx)] }),
};
