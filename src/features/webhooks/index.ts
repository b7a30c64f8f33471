export { WebhookDelivery, WebhookEndpoint } from './webhook.entities';
export { webhookJobs } from './tasks';
export { webhooksRouter } from './webhooks.router';
export { webhooksOfMember } from './webhooks.service';
export { WEBHOOK_PAYLOADS } from './webhook-payloads.schema';
