import { z } from 'zod';
import { LANGUAGES } from '../../core/letters/letter.entity';
import { SIGNED_AS } from '../signatures';
import { isCountryCode } from '../../platform/web/i18n';
import { EXPORT_PURPOSES, EXPORT_SCOPES } from './export-query';
import type { ExportColumn } from './export-row';
import { EXPORT_COLUMNS, type ExportRequest } from './export.service';
import type { Letter } from '../../core/letters/letter.entity';
import { exportFormats } from './writers';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const blankToNull = (v: unknown) =>
  typeof v === 'string' && v.trim() === '' ? null : typeof v === 'string' ? v.trim() : v;

const day = z.preprocess(
  blankToNull,
  z
    .string()
    .regex(DAY, 'exports.errors.date')
    .refine(
      (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      'exports.errors.date',
    )
    .nullable(),
);

/** An unchecked box sends nothing; a checked one sends its value. */
const checkbox = z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === 'yes', z.boolean());

/** Whether a submitted form asks for email addresses (the box ticked), read as the schema reads it. */
export function asksForEmail(body: Record<string, unknown>): boolean {
  return checkbox.parse(body.includeEmail);
}

/** The organiser's export form. Email addresses come only with the explicit box, and never in a PDF or a publication file. */
export const exportFormSchema = z
  .object({
    format: z
      .enum(exportFormats as [string, ...string[]], { message: 'exports.errors.format' })
      .transform((f) => f as (typeof exportFormats)[number]),
    purpose: z
      .enum(EXPORT_PURPOSES as [string, ...string[]], { message: 'exports.errors.invalid' })
      .default('delivery')
      .transform((p) => p as (typeof EXPORT_PURPOSES)[number]),
    scope: z
      .enum(EXPORT_SCOPES as [string, ...string[]], { message: 'exports.errors.invalid' })
      .default('verified')
      .transform((s) => s as (typeof EXPORT_SCOPES)[number]),
    from: day.default(null),
    to: day.default(null),
    country: z
      .preprocess(blankToNull, z.string().toUpperCase().refine(isCountryCode, 'exports.errors.country').nullable())
      .default(null),
    signedAs: z
      .preprocess(blankToNull, z.enum(SIGNED_AS, { message: 'exports.errors.invalid' }).nullable())
      .default(null),
    columns: z.preprocess(
      (v): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]),
      z
        .array(z.enum(EXPORT_COLUMNS as unknown as [string, ...string[]], { message: 'exports.errors.invalid' }))
        .min(1, 'exports.errors.columns')
        .transform((cs) => cs as ExportColumn[]),
    ),
    includeEmail: checkbox.default(false),
    language: z.enum(LANGUAGES, { message: 'exports.errors.invalid' }),
  })
  .superRefine((v, issue) => {
    if (v.from && v.to && v.from > v.to)
      issue.addIssue({ code: 'custom', path: ['to'], message: 'exports.errors.dateOrder' });
    if (v.includeEmail && v.purpose === 'publication')
      issue.addIssue({ code: 'custom', path: ['includeEmail'], message: 'exports.errors.emailNotAllowed' });
    if (v.includeEmail && v.format === 'pdf')
      issue.addIssue({ code: 'custom', path: ['includeEmail'], message: 'exports.errors.emailNotInPdf' });
  });

export type ExportForm = z.output<typeof exportFormSchema>;

/** The export a checked form asks for, the same from the workspace and from the shell. */
export function exportRequest(form: ExportForm, letter: Letter, organiserId: string | null): ExportRequest {
  return {
    letter,
    format: form.format,
    purpose: form.purpose,
    filters: { scope: form.scope, from: form.from, to: form.to, country: form.country, signedAs: form.signedAs },
    columns: form.columns,
    includeEmail: form.includeEmail,
    organiserId,
    language: form.language,
  };
}

/** What the verify form accepts when no file is uploaded: the id and digest printed by the platform. */
export const verifyFormSchema = z.object({
  exportId: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'exports.verify.errors.exportId'),
  ),
  sha256: z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/\s+/g, '').toLowerCase() : v),
    z.string().regex(/^[0-9a-f]{64}$/, 'exports.verify.errors.sha256'),
  ),
});
