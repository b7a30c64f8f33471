import type { Feature } from '../../platform/feature';
import { letterPreview } from '../letter-page';
import { adminRouter } from './admin.router';
import { adminJobs } from './tasks';

export {
  instanceSettings,
  needsReview,
  reasonLabel,
  rejectionReasons,
  START_POLICIES,
  startPolicy,
  type InstanceSettings,
  type RejectionReason,
  type StartPolicy,
} from './settings.service';
export {
  INSTANCE_AUDIT_PAGE,
  listInstanceAudit,
  recordInstanceAudit,
  type InstanceAuditEntry,
  type InstanceAuditRow,
} from './instance-audit.service';
export {
  decide,
  letterDecisions,
  REVIEW_DECISIONS,
  REVIEW_NOTE_MAX,
  requestSecondReview,
  reviewQueue,
  submitLetter,
  TASK_REVIEW_DECISION_EMAIL,
  type DecisionRow,
  type ReviewDecision,
  type SubmitOutcome,
} from './moderation.service';
export { forgetUnconfirmedOrganisers, UNCONFIRMED_ORGANISER_HOURS } from './tasks';

/**
 * The feature, as the app composes it (src/app/features.ts): the instance's admins (/admin), its
 * settings, the moderation of letters waiting for review, and the admins' own trail.
 */
export const feature: Feature = {
  name: 'admin',
  jobs: adminJobs,
  views: ['admin'],
  messages: ['admin'],
  routes: (ctx, provided) => ({
    pages: [adminRouter({ ctx, memberAccess: provided.memberAccess ?? [], preview: letterPreview(ctx) })],
  }),
};
