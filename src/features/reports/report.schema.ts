import { z } from 'zod';

/** Why a reader reports a letter: a fixed list, so reports can be counted and grouped. */
export const REPORT_REASONS = ['spam', 'hateful', 'unlawful', 'misleading', 'personal-data', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export const REPORT_DETAILS_MAX = 2000;

const optionalText = (max: number, message: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.normalize('NFC').trim() || undefined : v),
    z.string().max(max, { message }).optional(),
  );

// Messages are i18n keys; the form shows them in the reader's language.
export const reportFormSchema = z.object({
  reason: z.enum(REPORT_REASONS, { message: 'reports.errors.reason' }),
  details: optionalText(REPORT_DETAILS_MAX, 'reports.errors.detailsLong'),
  email: z.preprocess(
    (v) => (typeof v === 'string' ? v.normalize('NFC').trim() || undefined : v),
    z.string().max(320, { message: 'form.errors.tooLong' }).email({ message: 'form.errors.emailInvalid' }).optional(),
  ),
});

export type ReportForm = z.infer<typeof reportFormSchema>;

export const REPORT_DECISIONS = ['dismiss', 'act'] as const;
export type ReportDecision = (typeof REPORT_DECISIONS)[number];

export const decisionFormSchema = z.object({
  decision: z.enum(REPORT_DECISIONS, { message: 'reports.errors.decision' }),
  note: optionalText(REPORT_DETAILS_MAX, 'reports.errors.noteLong'),
});

/** A letter's id in the admins' path: anything else is a page that does not exist. */
export const letterIdSchema = z.string().uuid();
