import { z } from 'zod';

/**
 * The body of each webhook event. Every body is checked against its schema before it is stored
 * and sent, and the OpenAPI document (`webhooks`) is generated from the same schemas.
 */
/** Every time is written one way: ISO 8601 in UTC with milliseconds and `Z`, e.g. 2026-05-12T09:30:00.000Z. */
const isoDateTime = z.iso
  .datetime({ precision: 3 })
  .describe('ISO 8601, UTC, with milliseconds and Z (2026-05-12T09:30:00.000Z).');
const letter = z.string().describe('The letter’s slug.');

function event<T extends string, D extends z.ZodRawShape>(type: T, id: string, description: string, data: D) {
  return z
    .object({ type: z.literal(type), timestamp: isoDateTime.describe('When it happened.'), data: z.object(data) })
    .meta({ id, description });
}

export const WEBHOOK_PAYLOADS = {
  'signature.confirmed': event(
    'signature.confirmed',
    'SignatureConfirmedEvent',
    'A signature starts counting: confirmed by email, or released from review.',
    {
      letter,
      verifiedCount: z.number().int().min(0),
      signature: z.union([
        z
          .object({
            id: z.uuid(),
            name: z
              .string()
              .describe('As the public list shows it: the full name, or initials for a signer who chose them.'),
            country: z.string().length(2),
            city: z.string().nullable().describe('Null for a signer shown by initials.'),
            organisation: z.string().nullable(),
            signedAs: z.enum(['individual', 'organisation']),
            signedAt: isoDateTime.describe('When the signature was confirmed.'),
            source: z.enum(['online', 'paper']),
          })
          .describe('A signer on the public list.'),
        z
          .strictObject({ id: z.uuid() })
          .describe(
            'A signer the public list does not show (private, or hidden by the owners): the id alone, as the read API leaves such signers out of a token not made for delivery.',
          ),
      ]),
    },
  ),
  'signature.withdrawn': event(
    'signature.withdrawn',
    'SignatureWithdrawnEvent',
    'A counted signature was withdrawn by its signer (its data is erased).',
    {
      letter,
      verifiedCount: z.number().int().min(0),
      signature: z.object({ id: z.uuid() }),
    },
  ),
  'letter.milestone': event(
    'letter.milestone',
    'LetterMilestoneEvent',
    'The verified count reached 25, 50, 75 or 100 % of the goal (each once).',
    {
      letter,
      percent: z.union([z.literal(25), z.literal(50), z.literal(75), z.literal(100)]),
      goal: z.number().int().min(1),
      verifiedCount: z.number().int().min(0),
    },
  ),
  'letter.delivered': event(
    'letter.delivered',
    'LetterDeliveredEvent',
    'The owners recorded the delivery of the letter.',
    {
      letter,
      deliveredAt: isoDateTime.nullable(),
      deliveredTo: z.string().nullable(),
    },
  ),
  'response.received': event(
    'response.received',
    'ResponseReceivedEvent',
    'The owners recorded an official response.',
    {
      letter,
      response: z.object({ id: z.uuid(), respondedOn: z.iso.date(), link: z.string().nullable() }),
    },
  ),
  'webhook.test': event('webhook.test', 'WebhookTestEvent', 'Sent by the “Send test event” button.', { letter }),
} as const;

export type WebhookPayloadType = keyof typeof WEBHOOK_PAYLOADS;
