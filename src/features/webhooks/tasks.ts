import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import {
  TASK_WEBHOOK_DELIVER,
  TASK_WEBHOOK_EVENT,
  type WebhookDeliverJob,
  type WebhookEventJob,
} from './webhooks.schema';
import { deliverWebhook, handleWebhookEvent, pruneDeliveryLog } from './webhooks.service';

/**
 * Events recorded by the database become deliveries; each delivery is one POST (and its retries);
 * old log entries go. Both tasks run in the worker's runner for slow work (its own concurrency,
 * WEBHOOK_CONCURRENCY), never among the emails; each webhook's deliveries are a named queue of
 * their own, so they go one at a time.
 */
export function webhookJobs({ ctx }: JobDeps): FeatureJobs {
  return {
    slowTasks: {
      [TASK_WEBHOOK_EVENT]: async (payload) => {
        await handleWebhookEvent(ctx, payload as WebhookEventJob);
      },
      [TASK_WEBHOOK_DELIVER]: async (payload) => {
        await deliverWebhook(ctx, payload as WebhookDeliverJob);
      },
    },
    chores: [
      { everyMs: 3600_000, run: () => pruneDeliveryLog(ctx.db), failure: 'webhook delivery log pruning failed' },
    ],
  };
}
