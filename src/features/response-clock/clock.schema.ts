import { z } from 'zod';
import { isCalendarDay } from '../updates';

/** The points a reminder may go at, in days from the due day: two weeks and one before, the day, a week late. */
export const REMINDER_POINTS = [-14, -7, 0, 7] as const;
/** The time the owners are offered, in days after the delivery (30 is suggested). */
export const RESPONSE_WITHIN_DAYS = [14, 30, 60, 90] as const;
export const SUGGESTED_WITHIN_DAYS = 30;
/** How far a due day may lie after the delivery. */
export const MAX_DUE_DAYS = 366;

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The clock's fields of the delivery form: a due day typed in, or a number of days after the
 * delivery (none: no date asked), and the reminders. Checked against the delivery's day by
 * `clockSettingsFor`.
 */
export const clockFormSchema = z.object({
  responseDueOn: z
    .string()
    .optional()
    .transform((s) => (s ?? '').trim())
    .refine((s) => !s || isCalendarDay(s), 'responseClock.errors.date'),
  responseWithin: z
    .string()
    .optional()
    .transform((s) => (s ?? '').trim())
    .refine((s) => !s || (RESPONSE_WITHIN_DAYS as readonly number[]).includes(Number(s)), 'responseClock.errors.within')
    .transform((s) => (s ? Number(s) : null)),
  reminders: z.preprocess((v) => v === 'on' || v === '1' || v === 'true', z.boolean()),
  reminderPoints: z.preprocess(
    asList,
    z
      .array(z.string())
      .max(REMINDER_POINTS.length, 'responseClock.errors.points')
      .refine((a) => a.every((p) => (REMINDER_POINTS as readonly number[]).includes(Number(p)) && p !== ''), {
        message: 'responseClock.errors.points',
      })
      .transform((a) => a.map(Number)),
  ),
});
export type ClockForm = z.output<typeof clockFormSchema>;
