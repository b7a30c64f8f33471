import { z } from 'zod';

/**
 * The body of each webhook event. Every body is checked against its schema before it is stored
 * and sent, and the OpenAPI document (`webhooks`) is generated from the same schemas.
 */
const isoDateTime = z.iso.datetime({ offset: true });
const letter = z.string().describe('The letter’s slug.');

function event<T extends string, D extends z.ZodRawShape>(type: T, id: string, description: string, data: D) {
  return z.object({ type: z.literal(type), timestamp: isoDateTime.describe('When it happened.'), data: z.object(data) }).meta({ id, description });
}

export const WEBHOOK_PAYLOADS = {
  'signature.confirmed': event('signature.confirmed', 'SignatureConfirmedEvent', 'A signature starts counting: confirmed by email, or released from review.', {
    letter,
    verifiedCount: z.number().int().min(0),
    signature: z.object({
      id: z.uuid(),
      name: z.string().nullable().describe('As the public list shows it; null for a private or hidden signer.'),
      country: z.string().length(2),
      city: z.string().nullable(),
      organisation: z.string().nullable(),
      signedAs: z.enum(['individual', 'organisation']),
      signedAt: isoDateTime,
      source: z.enum(['online', 'paper']),
    }),
  }),
  'signature.withdrawn': event('signature.withdrawn', 'SignatureWithdrawnEvent', 'A counted signature was withdrawn by its signer (its data is erased).', {
    letter,
    verifiedCount: z.number().int().min(0),
    signature: z.object({ id: z.uuid() }),
  }),
  'letter.milestone': event('letter.milestone', 'LetterMilestoneEvent', 'The verified count reached 25, 50, 75 or 100 % of the goal (each once).', {
    letter,
    percent: z.union([z.literal(25), z.literal(50), z.literal(75), z.literal(100)]),
    goal: z.number().int().min(1),
    verifiedCount: z.number().int().min(0),
  }),
  'letter.delivered': event('letter.delivered', 'LetterDeliveredEvent', 'The owners recorded the delivery of the letter.', {
    letter,
    deliveredAt: isoDateTime.nullable(),
    deliveredTo: z.string().nullable(),
  }),
  'response.received': event('response.received', 'ResponseReceivedEvent', 'The owners recorded an official response.', {
    letter,
    response: z.object({ id: z.uuid(), respondedOn: z.iso.date(), link: z.string().nullable() }),
  }),
  'webhook.test': event('webhook.test', 'WebhookTestEvent', 'Sent by the “Send test event” button.', { letter }),
} as const;

export type WebhookPayloadType = keyof typeof WEBHOOK_PAYLOADS;
