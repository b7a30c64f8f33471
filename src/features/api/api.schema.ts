import { z } from 'zod';
import { CONTROL_CHARACTERS } from '../../platform/web/validate';

/**
 * The read API's contract: these schemas validate every response before it is sent (a response
 * that does not match them is a bug, answered 500 rather than sent wrong), and the OpenAPI
 * document at /api/openapi.json is generated from them (openapi.ts), so the two cannot drift.
 */

const isoDateTime = z.iso.datetime({ offset: true });

export const letterSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    recipient: z.string(),
    status: z.enum(['draft', 'open', 'closed']),
    language: z.string().describe('The language of title and recipient: the letter’s default language.'),
    languages: z.array(z.string()),
    goal: z.number().int().nullable(),
    closesAt: isoDateTime.nullable(),
    deliveredAt: isoDateTime.nullable(),
    verifiedCount: z.number().int().min(0).describe('Confirmed signatures not held for review: the public count.'),
    url: z.string(),
    signatoriesUrl: z
      .string()
      .describe('The public list of the letter’s signatories (public names and initials), as a page.'),
    responseClock: z
      .object({
        state: z.enum(['awaiting', 'overdue', 'answered']),
        deliveredAt: isoDateTime,
        dueOn: z.iso.date().nullable().describe('The day a response was asked for (UTC calendar day), if any.'),
        overdueDays: z.number().int().min(1).nullable(),
        answeredOn: z.iso.date().nullable().describe('The day the officials answered (the first published response).'),
        answerKind: z.enum(['accepted', 'partly', 'declined', 'statement']).nullable(),
      })
      .nullable()
      .describe('Since the delivery: awaiting a response, overdue, or answered. Null until the delivery is recorded.'),
  })
  .meta({ id: 'Letter', description: 'A letter as its public page shows it, with the verified count.' });

export const signatureSchema = z
  .object({
    id: z.uuid(),
    name: z
      .string()
      .describe('Full name (delivery tokens), or the name as the public list shows it: full name or initials.'),
    country: z.string().length(2).describe('ISO 3166 alpha-2'),
    countryName: z.string(),
    city: z.string().nullable(),
    organisation: z.string().nullable(),
    occupation: z.string().nullable().describe('Occupation or title (not for initials-only signers).'),
    comment: z.string().nullable().describe('“Why I signed”, once the organisers approved it.'),
    signedAs: z.enum(['individual', 'organisation']),
    signedAt: isoDateTime.describe('When the signature was confirmed (UTC).'),
    source: z.enum(['online', 'paper']),
    textVersion: z.object({ language: z.string(), version: z.number().int() }).nullable(),
  })
  .meta({
    id: 'Signature',
    description: 'One verified signature, in the shape of the delivery export (JSON lines) plus its id.',
  });

export const signaturePageSchema = z
  .object({
    data: z.array(signatureSchema),
    next: z.string().nullable().describe('Pass as `after` for the next page; null on the last page.'),
  })
  .meta({ id: 'SignaturePage' });

export const apiErrorSchema = z
  .object({
    error: z
      .string()
      .describe('A stable code: unauthorized, not_found, method_not_allowed, bad_request, rate_limited, internal.'),
    message: z.string().describe('In the language of Accept-Language.'),
    requestId: z.string().optional(),
  })
  .meta({ id: 'Error' });

export const API_MAX_LIMIT = 1000;
export const API_DEFAULT_LIMIT = 100;

export const signaturesQuerySchema = z.object({
  after: z.string().max(200).optional().describe('The `next` cursor of the previous page.'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(API_MAX_LIMIT)
    .default(API_DEFAULT_LIMIT)
    .describe(`Rows per page, 1 to ${API_MAX_LIMIT}.`),
});

/** The owners' form that creates a token. */
export const tokenFormSchema = z.object({
  name: z
    .string({ error: 'api.errors.nameRequired' })
    .trim()
    .min(1, 'api.errors.nameRequired')
    .max(100, 'api.errors.nameTooLong')
    .refine((v) => !CONTROL_CHARACTERS.test(v), 'form.errors.controlCharacters'),
  forDelivery: z
    .string()
    .optional()
    .transform((v) => v === 'on'),
  /** The last day the token works (UTC), or empty for a token that works until it is revoked. */
  expiresOn: z
    .string({ error: 'api.errors.dateInvalid' })
    .optional()
    .transform((s) => (s ?? '').trim())
    .refine((s) => !s || isCalendarDay(s), 'api.errors.dateInvalid')
    .refine((s) => !s || !isCalendarDay(s) || s > new Date().toISOString().slice(0, 10), 'api.errors.datePast')
    .refine(
      (s) =>
        !s || !isCalendarDay(s) || new Date(`${s}T00:00:00Z`).getTime() <= Date.now() + MAX_TOKEN_DAYS * 86_400_000,
      'api.errors.dateTooFar',
    )
    .transform((s) => s || null),
});

/** A token's expiry, when it has one, is at most this far ahead. */
export const MAX_TOKEN_DAYS = 5 * 365;

function isCalendarDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
export type TokenForm = z.output<typeof tokenFormSchema>;

export type ApiLetter = z.output<typeof letterSchema>;
export type ApiSignature = z.output<typeof signatureSchema>;
export type ApiSignaturePage = z.output<typeof signaturePageSchema>;
