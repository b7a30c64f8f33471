import type { Feature } from '../../platform/feature';
import { webhookJobs } from './tasks';
import { WebhookDelivery, WebhookEndpoint } from './webhook.entities';
import { webhooksRouter } from './webhooks.router';
import { webhooksOfMember } from './webhooks.service';

export { WebhookDelivery, WebhookEndpoint } from './webhook.entities';
export { webhookJobs } from './tasks';
export { webhooksRouter } from './webhooks.router';
export { webhooksOfMember } from './webhooks.service';
export { WEBHOOK_PAYLOADS } from './webhook-payloads.schema';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'webhooks',
  entities: [WebhookEndpoint, WebhookDelivery],
  jobs: webhookJobs,
  views: ['webhooks'],
  messages: ['webhooks'],
  provide: () => ({ memberAccess: [webhooksOfMember] }),
  routes: (ctx) => ({ pages: [webhooksRouter(ctx)] }),
};
