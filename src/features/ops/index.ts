import type { Feature } from '../../platform/feature';
import { requestMetrics } from './metrics';
import { opsRouter } from './ops.router';

export { recordJobOutcome, requestMetrics } from './metrics';
export { opsRouter } from './ops.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'ops',
  // Health, readiness and metrics: before sessions and CSRF, for load balancers and monitoring.
  routes: (ctx) => ({ first: [requestMetrics()], early: [opsRouter(ctx)] }),
};
