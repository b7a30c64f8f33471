import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { PRIVACY_CRONTAB, privacyRetentionTask, TASK_PRIVACY_RETENTION } from './retention.task';

/** Retention: personal data erased when it is no longer needed, hourly. */
export function privacyJobs({ ctx }: JobDeps): FeatureJobs {
  return { tasks: { [TASK_PRIVACY_RETENTION]: privacyRetentionTask(ctx) }, crontab: [PRIVACY_CRONTAB] };
}
