import { z } from 'zod';
import { INVALIDATION_CATEGORIES } from '../signatures';
import { AUTO_RELEASE_MAX_MINUTES, HELD_DECISIONS, HELD_GROUPINGS } from './held-queue.service';

/** `?by=` of the held queue page: an unknown grouping shows the default one. */
export function groupingOf(value: unknown): (typeof HELD_GROUPINGS)[number] {
  return (HELD_GROUPINGS as readonly unknown[]).includes(value) ? (value as (typeof HELD_GROUPINGS)[number]) : 'reason';
}

/**
 * One decision on one group of the held queue: `key` is the group's key as the page renders it
 * (a held reason, a network label, a domain, a window's start, a confirmation state). Invalidating
 * needs a category; the note is the organisers' own and optional.
 */
export const groupDecisionSchema = z
  .object({
    by: z.enum(HELD_GROUPINGS, { message: 'abuse.heldQueue.errors.invalid' }),
    key: z
      .string({ message: 'abuse.heldQueue.errors.invalid' })
      .transform((s) => s.trim())
      .pipe(
        z
          .string()
          .min(1, { message: 'abuse.heldQueue.errors.invalid' })
          .max(320, { message: 'abuse.heldQueue.errors.invalid' }),
      ),
    decision: z.enum(HELD_DECISIONS, { message: 'abuse.heldQueue.errors.decision' }),
    category: z
      .string()
      .optional()
      .transform((s) => (s ?? '').trim())
      .pipe(z.union([z.literal(''), z.enum(INVALIDATION_CATEGORIES)], { message: 'abuse.heldQueue.errors.category' })),
    note: z
      .string()
      .optional()
      .transform((s) => (s ?? '').normalize('NFC').trim())
      .pipe(z.string().max(300, { message: 'abuse.heldQueue.errors.note' }))
      .transform((s) => s || null),
  })
  .superRefine((v, ctx) => {
    if (v.decision === 'invalidate' && !v.category)
      ctx.addIssue({ code: 'custom', path: ['category'], message: 'abuse.heldQueue.errors.category' });
  })
  .transform((v) =>
    v.decision === 'invalidate'
      ? {
          by: v.by,
          key: v.key,
          decision: v.decision,
          category: v.category as (typeof INVALIDATION_CATEGORIES)[number],
          note: v.note,
        }
      : { by: v.by, key: v.key, decision: v.decision, note: v.note },
  );

/** The owner's release rule: on with a delay in minutes, or off. */
export const autoReleaseSchema = z
  .object({
    enabled: z
      .string()
      .optional()
      .transform((v) => v === 'on'),
    minutes: z
      .string()
      .optional()
      .transform((s) => (s ?? '').trim()),
  })
  .superRefine((v, ctx) => {
    if (!v.enabled) return;
    const n = Number(v.minutes);
    if (!/^\d{1,5}$/.test(v.minutes) || n < 1 || n > AUTO_RELEASE_MAX_MINUTES)
      ctx.addIssue({ code: 'custom', path: ['minutes'], message: 'abuse.heldQueue.errors.minutes' });
  })
  .transform((v) => ({ minutes: v.enabled ? Number(v.minutes) : null }));
