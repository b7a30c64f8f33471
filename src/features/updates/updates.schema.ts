import { z } from 'zod';
import { ANSWER_KINDS } from './letter-response.entity';

const text = (max: number, required: string) =>
  z
    .string({ message: required })
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().min(1, required).max(max, 'updates.errors.tooLong'));

/** An email update: one subject, a Markdown body, written once for every language. */
export const updateFormSchema = z.object({
  subject: text(200, 'updates.errors.subjectRequired'),
  body: text(20_000, 'updates.errors.bodyRequired'),
});
export type UpdateForm = z.output<typeof updateFormSchema>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day, YYYY-MM-DD (2025-02-30 is refused). */
export function isCalendarDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export const responseFormSchema = z.object({
  respondedOn: z
    .string({ message: 'updates.errors.dateInvalid' })
    .trim()
    .refine(isCalendarDay, 'updates.errors.dateInvalid')
    .refine((s) => s <= new Date().toISOString().slice(0, 10), 'updates.errors.dateFuture'),
  body: text(20_000, 'updates.errors.bodyRequired'),
  /** What the answer says; a statement unless the owner says otherwise. */
  kind: z
    .string()
    .optional()
    .transform((s) => s || 'statement')
    .pipe(z.enum(ANSWER_KINDS, { message: 'responseClock.errors.kind' })),
  link: z
    .string()
    .trim()
    .max(2000, 'updates.errors.tooLong')
    .optional()
    .transform((s) => s || null)
    .refine((s) => s === null || /^https?:\/\/[^\s]+$/i.test(s), 'updates.errors.linkInvalid'),
});
export type ResponseForm = z.output<typeof responseFormSchema>;
