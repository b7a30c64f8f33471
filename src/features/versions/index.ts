import type { Feature } from '../../platform/feature';
import { versionJobs } from './tasks';
import { versionsRouter } from './versions.router';

export {
  changeNotice,
  firstVersionNumber,
  keepRemovedText,
  signersOfCurrentText,
  versionForEdit,
  type ChangeNotice,
  type VersionDecision,
} from './text-versions.service';
export { versionJobs } from './tasks';
export { VERSIONS_CSS, versionsRouter } from './versions.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'versions',
  jobs: versionJobs,
  views: ['versions'],
  messages: ['versions'],
  routes: (ctx) => ({ pages: [versionsRouter(ctx)] }),
};
