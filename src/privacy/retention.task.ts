import type { Task } from 'graphile-worker';
import type { AppContext } from '../context';
import { eraseDeliveredContactData, eraseExpiredSuppressions, erasePendingSignatures } from './retention.service';

export const TASK_PRIVACY_RETENTION = 'privacy-retention';

/**
 * Runs hourly from the worker's crontab. graphile-worker runs each scheduled occurrence once
 * across all workers, and backfills one missed in the last six hours (a worker was restarting).
 */
export const PRIVACY_CRONTAB = `0 * * * * ${TASK_PRIVACY_RETENTION} ?fill=6h&max=3`;

export function privacyRetentionTask(ctx: AppContext): Task {
  return async () => {
    const pending = await erasePendingSignatures(ctx.db, ctx.config.PENDING_RETENTION_DAYS);
    const delivered = await eraseDeliveredContactData(ctx.db, ctx.config.DELIVERED_RETENTION_DAYS);
    await eraseExpiredSuppressions(ctx.db);
    if (pending || delivered) ctx.log.info({ pendingErased: pending, contactsErased: delivered }, 'retention: personal data erased');
  };
}
