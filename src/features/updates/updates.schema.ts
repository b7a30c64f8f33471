import { z } from 'zod';
import type { Language } from '../../core/letters/letter.entity';
import { ANSWER_KINDS } from './letter-response.entity';

const text = (max: number, required: string) =>
  z
    .string({ message: required })
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().min(1, required).max(max, 'updates.errors.tooLong'));

/** The longest text of one version: five versions still fit in an organiser's form body (400 kB). */
export const UPDATE_BODY_MAX = 10_000;

/** How far ahead an update may be scheduled. */
export const SCHEDULE_MAX_DAYS = 90;

const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').trim())
    .pipe(z.string().max(max, 'updates.errors.tooLong'));

const oneOrMany = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) =>
    (v === undefined ? [] : Array.isArray(v) ? v : [v])
      .flatMap((c) => c.split(','))
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean),
  );

/**
 * An email update: a subject and a Markdown text per language of the letter (the default
 * language's required; another left empty gets the default's), the signers it concerns, and
 * when it goes (`sendAt` is a UTC time, YYYY-MM-DDTHH:MM). `step`: `send` sends, anything else
 * shows the preview (or the form again, `edit`).
 */
export function updateFormSchema(languages: readonly Language[], main: Language, now = () => new Date()) {
  const versionFields: Record<string, z.ZodTypeAny> = {};
  for (const l of languages) {
    versionFields[`subject_${l}`] = l === main ? text(200, 'updates.errors.subjectRequired') : optionalText(200);
    versionFields[`body_${l}`] =
      l === main ? text(UPDATE_BODY_MAX, 'updates.errors.bodyRequired') : optionalText(UPDATE_BODY_MAX);
  }
  return z
    .object({
      ...versionFields,
      countries: oneOrMany.pipe(
        z
          .array(z.string().regex(/^[A-Z]{2}$/, 'updates.errors.segmentInvalid'))
          .max(250, 'updates.errors.segmentInvalid'),
      ),
      textVersion: z
        .string()
        .optional()
        .transform((s) => s?.trim() ?? '')
        .refine((s) => s === '' || /^[a-z]{2}:\d{1,6}$/.test(s), 'updates.errors.segmentInvalid'),
      source: z.enum(['', 'online', 'paper'], { message: 'updates.errors.segmentInvalid' }).optional().default(''),
      when: z.enum(['now', 'later'], { message: 'updates.errors.sendAtInvalid' }).optional().default('now'),
      sendAt: z
        .string()
        .optional()
        .transform((s) => s?.trim() ?? ''),
      step: z.string().optional(),
    })
    .superRefine((v, issue) => {
      const values = v as Record<string, unknown>;
      for (const l of languages) {
        if (l === main) continue;
        const subject = values[`subject_${l}`] as string;
        const body = values[`body_${l}`] as string;
        if (subject && !body)
          issue.addIssue({ code: 'custom', path: [`body_${l}`], message: 'updates.errors.bodyRequired' });
        if (body && !subject)
          issue.addIssue({ code: 'custom', path: [`subject_${l}`], message: 'updates.errors.subjectRequired' });
      }
      if (v.textVersion && !languages.includes(v.textVersion.split(':')[0] as Language))
        issue.addIssue({ code: 'custom', path: ['textVersion'], message: 'updates.errors.segmentInvalid' });
      if (v.when === 'later') {
        const at = parseUtcMinute(v.sendAt);
        const message = !at
          ? 'updates.errors.sendAtInvalid'
          : at.getTime() <= now().getTime()
            ? 'updates.errors.sendAtPast'
            : at.getTime() > now().getTime() + SCHEDULE_MAX_DAYS * 86_400_000
              ? 'updates.errors.sendAtFar'
              : null;
        if (message) issue.addIssue({ code: 'custom', path: ['sendAt'], message });
      }
    })
    .transform((v) => {
      const values = v as Record<string, unknown>;
      const versions = new Map<Language, { subject: string; body: string }>();
      for (const l of languages) {
        const subject = values[`subject_${l}`] as string;
        const body = values[`body_${l}`] as string;
        if (subject && body) versions.set(l, { subject, body });
      }
      const [tvLanguage, tvNumber] = v.textVersion ? v.textVersion.split(':') : [];
      return {
        versions,
        segment: {
          countries: v.countries.length ? [...new Set(v.countries)].sort() : null,
          textVersion: tvLanguage ? { language: tvLanguage as Language, version: Number(tvNumber) } : null,
          source: v.source === '' ? null : v.source,
        },
        sendAt: v.when === 'later' ? parseUtcMinute(v.sendAt) : null,
        step: v.step === 'send' ? ('send' as const) : v.step === 'edit' ? ('edit' as const) : ('preview' as const),
      };
    });
}
export type UpdateForm = z.output<ReturnType<typeof updateFormSchema>>;

/** A time typed as YYYY-MM-DDTHH:MM (what a datetime-local field sends), read as UTC; null if it is not one. */
export function parseUtcMinute(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi));
  if (at.getUTCFullYear() !== y || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d || h > 23 || mi > 59)
    return null;
  return at;
}

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
