import type { Feature } from '../../platform/feature';

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

/** The feature, as the app composes it (src/app/features.ts): the instance's admins, settings and trail. */
export const feature: Feature = {
  name: 'admin',
  messages: ['admin'],
};
