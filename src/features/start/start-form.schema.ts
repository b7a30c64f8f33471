import { z } from 'zod';
import { LANGUAGES, type Language } from '../../core/letters/letter.entity';
import { formText } from '../../platform/web/validate';

const text = (max: number) => formText(max, 'start.errors.tooLong');
const required = (max: number) => text(max).pipe(z.string().min(1, { message: 'start.errors.required' }));

/** The guided form: whom, what it asks, the text, its language, a goal, a deadline, who is shown as its author. */
export const startFormSchema = z.object({
  recipient: required(300),
  title: required(200),
  summary: required(400),
  body: required(100_000),
  language: z.enum(LANGUAGES, { message: 'start.errors.language' }),
  goal: text(12).pipe(
    z
      .string()
      .regex(/^\d*$/, { message: 'start.errors.goal' })
      .transform((s) => (s ? Number(s) : null))
      .refine((n) => n === null || (n > 0 && n <= 100_000_000), { message: 'start.errors.goal' }),
  ),
  closesAt: text(10).pipe(
    z
      .string()
      .refine((s) => !s || (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))), {
        message: 'start.errors.date',
      })
      .transform((s) => (s ? new Date(`${s}T23:59:59Z`) : null))
      .refine((d) => d === null || d.getTime() > Date.now(), { message: 'start.errors.past' }),
  ),
  authorKind: z.enum(['organisation', 'person'], { message: 'start.errors.authorKind' }),
  authorName: required(200),
});

export interface StartInput {
  recipient: string;
  title: string;
  summary: string;
  body: string;
  language: Language;
  goal: number | null;
  closesAt: Date | null;
  authorKind: 'organisation' | 'person';
  authorName: string;
}

export const emailSchema = z.object({
  email: z
    .string({ message: 'start.errors.email' })
    .transform((s) => s.normalize('NFC').trim().toLowerCase())
    .pipe(z.string().max(320, { message: 'start.errors.email' }).email({ message: 'start.errors.email' })),
});

export const replySchema = z.object({
  reply: text(2000),
});

/** The form's raw values, as the page shows them again. */
export function startFormValues(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  const keys = ['recipient', 'title', 'summary', 'body', 'language', 'goal', 'closesAt', 'authorKind', 'authorName'];
  return Object.fromEntries(keys.map((k) => [k, typeof b[k] === 'string' ? b[k] : '']));
}
