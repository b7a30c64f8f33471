import type { Feature } from '../../platform/feature';
import { privacyJobs } from './tasks';

export {
  applyRetention,
  eraseAuditDetails,
  eraseOldAuditDetails,
  eraseSigner,
  PAPER_PREVIEW_HOURS,
  type RetentionReport,
} from './retention.service';
export { privacyJobs } from './tasks';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'privacy',
  jobs: privacyJobs,
};
