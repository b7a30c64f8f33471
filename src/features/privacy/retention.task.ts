import type { Task } from 'graphile-worker';
import type { AppContext } from '../../platform/context';
import { applyRetention } from './retention.service';

export const TASK_PRIVACY_RETENTION = 'privacy-retention';

/**
 * Runs hourly from the worker's crontab. graphile-worker runs each scheduled occurrence once
 * across all workers, and backfills one missed in the last six hours (a worker was restarting).
 */
export const PRIVACY_CRONTAB = `0 * * * * ${TASK_PRIVACY_RETENTION} ?fill=6h&max=3`;

export function privacyRetentionTask(ctx: AppContext): Task {
  return async () => {
    const report = await applyRetention(ctx.db, ctx.config);
    if (Object.values(report).some((n) => n > 0)) ctx.log.info({ ...report }, 'retention: personal data erased');
  };
}
