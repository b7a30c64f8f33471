import { z } from 'zod';

/** The events an endpoint may choose (the test event goes to every endpoint whose button is pressed). */
export const WEBHOOK_EVENTS = [
  'signature.confirmed',
  'signature.withdrawn',
  'letter.milestone',
  'letter.delivered',
  'response.received',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const TEST_EVENT = 'webhook.test';

/** The goal milestones, in percent of the letter's goal; each fires once per letter. */
export const MILESTONES = [25, 50, 75, 100] as const;

export const endpointFormSchema = z.object({
  url: z
    .string({ error: 'webhooks.errors.urlRequired' })
    .trim()
    .min(1, 'webhooks.errors.urlRequired')
    .max(2000, 'webhooks.errors.urlInvalid'),
  events: z
    .union([z.string(), z.array(z.string())], { error: 'webhooks.errors.eventsRequired' })
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(
      z
        .array(z.enum(WEBHOOK_EVENTS, { error: 'webhooks.errors.eventsRequired' }))
        .min(1, 'webhooks.errors.eventsRequired'),
    )
    .transform((v) => [...new Set(v)]),
});
export type EndpointForm = z.output<typeof endpointFormSchema>;

/** What the worker is given by the database's triggers (see migration ApiWebhooks). */
export interface WebhookEventJob {
  type: WebhookEvent;
  letterId: string;
  occurredAt: string;
  signatureId?: string;
  responseId?: string;
}

export interface WebhookDeliverJob {
  deliveryId: string;
}

export const TASK_WEBHOOK_EVENT = 'webhook-event';
export const TASK_WEBHOOK_DELIVER = 'webhook-deliver';
