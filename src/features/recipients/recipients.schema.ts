import { z } from 'zod';
import { ANSWER_KINDS } from '../updates';

const text = (max: number, required: string) =>
  z
    .string({ message: required })
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().min(1, required).max(max, 'recipients.errors.tooLong'));

const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').trim())
    .pipe(z.string().max(max, 'recipients.errors.tooLong'))
    .transform((s) => s || null);

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** A link lives a year unless its owner chooses otherwise (at most five). */
export const DEFAULT_LINK_DAYS = 365;
export const MAX_LINK_DAYS = 5 * 365;

export function defaultExpiry(now = new Date()): string {
  return new Date(now.getTime() + DEFAULT_LINK_DAYS * DAY_MS).toISOString().slice(0, 10);
}

function isCalendarDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The owner's form: who the link is for, until when, and whether the platform mails it. */
export const recipientLinkSchema = z
  .object({
    name: text(200, 'recipients.errors.nameRequired'),
    role: optionalText(200),
    email: z
      .string()
      .optional()
      .transform((s) => (s ?? '').trim())
      .pipe(
        z.union([
          z.literal(''),
          z.string().max(320, 'recipients.errors.tooLong').email({ message: 'recipients.errors.emailInvalid' }),
        ]),
      )
      .transform((s) => s || null),
    expiresOn: z
      .string()
      .optional()
      .transform((s) => (s ?? '').trim() || defaultExpiry())
      .refine(isCalendarDay, 'recipients.errors.dateInvalid')
      .refine((s) => s > new Date().toISOString().slice(0, 10), 'recipients.errors.datePast')
      .refine(
        (s) => new Date(`${s}T00:00:00Z`).getTime() <= Date.now() + MAX_LINK_DAYS * DAY_MS,
        'recipients.errors.dateTooFar',
      ),
    sendEmail: z.preprocess((v) => v === 'on' || v === '1' || v === 'true', z.boolean()),
  })
  .superRefine((v, ctx) => {
    if (v.sendEmail && !v.email)
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'recipients.errors.emailForSending' });
  });
export type RecipientLinkForm = z.output<typeof recipientLinkSchema>;

/**
 * The addressee's answer: an optional title and its text, both plain text (shown as paragraphs
 * with bare links, never as Markdown or HTML); the PDF comes apart (multipart file).
 */
export const recipientResponseSchema = z.object({
  /** What the answer says: accepted, partly accepted, declined, or a statement (the default). */
  kind: z
    .string()
    .optional()
    .transform((s) => s || 'statement')
    .pipe(z.enum(ANSWER_KINDS, { message: 'responseClock.errors.kind' })),
  title: optionalText(200),
  body: text(20_000, 'recipients.errors.bodyRequired'),
});
export type RecipientResponseForm = z.output<typeof recipientResponseSchema>;

/** An owner's decision on a held response: a new title, publishing it (with that title), or rejecting it. */
export const responseDecisionSchema = z.object({
  decision: z.enum(['publish', 'reject', 'title'], { message: 'recipients.errors.decisionInvalid' }),
  title: optionalText(200),
});
export type ResponseDecisionForm = z.output<typeof responseDecisionSchema>;
