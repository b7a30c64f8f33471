import type { Feature } from '../../platform/feature';
import { auditRouter } from './audit.router';

export { auditRouter } from './audit.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'audit-trail',
  routes: (ctx) => ({ pages: [auditRouter(ctx)] }),
};
