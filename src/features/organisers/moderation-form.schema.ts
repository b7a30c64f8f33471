import { z } from 'zod';
import { INVALIDATION_CATEGORIES } from '../signatures';

const text = (max: number) =>
  z
    .string({ message: 'organisers.errors.required' })
    .transform((s) =>
      s
        .normalize('NFC')
        .replace(/[\u0000-\u001f\u007f]/g, ' ')
        .trim(),
    )
    .pipe(
      z.string().min(1, { message: 'organisers.errors.required' }).max(max, { message: 'organisers.errors.tooLong' }),
    );

const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').trim())
    .pipe(z.string().max(max, { message: 'organisers.errors.tooLong' }))
    .transform((s) => s || null);

/** An unchecked box sends nothing; a checked one sends "on". */
const checkbox = z
  .string()
  .optional()
  .transform((v) => v === 'on');

/** The kind of reason, required: the integrity report counts invalidations per category in public. */
const category = z.enum(INVALIDATION_CATEGORIES, { message: 'organisers.errors.category' });

/**
 * `keepName`: the organiser chose to keep the signer's name in the moderation record. Without it,
 * the name (with city and organisation) is erased with the address after the retention period.
 */
export const invalidateSchema = z.object({ category, reason: text(300), keepName: checkbox });

/** The dashboard's search box, from the query string; a long query is cut, as the box's maxlength does. */
export const searchSchema = z.object({
  q: z
    .string({ message: 'organisers.errors.invalid' })
    .optional()
    .transform((s) => (s ?? '').slice(0, 200)),
});

export const domainSchema = z.object({
  domain: z
    .string({ message: 'organisers.errors.required' })
    .transform((s) => s.trim().toLowerCase().replace(/^.*@/, ''))
    .pipe(
      z
        .string()
        .min(1, { message: 'organisers.errors.required' })
        .max(253, { message: 'organisers.errors.tooLong' })
        .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, { message: 'organisers.errors.domain' }),
    ),
  category,
  reason: text(300),
  keepName: checkbox,
});

export const deliverySchema = z
  .object({
    deliveredAt: z
      .string()
      .optional()
      .transform((s) => (s ?? '').trim())
      .refine((s) => !s || (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T12:00:00Z`))), {
        message: 'organisers.errors.date',
      })
      .transform((s) => (s ? new Date(`${s}T12:00:00Z`) : null)),
    deliveredTo: optionalText(500),
    deliveryNote: optionalText(2000),
  })
  .superRefine((v, ctx) => {
    if (v.deliveredAt && !v.deliveredTo)
      ctx.addIssue({ code: 'custom', path: ['deliveredTo'], message: 'organisers.errors.deliveredTo' });
  });

export const roleSchema = z.object({
  email: z
    .string({ message: 'organisers.errors.emailInvalid' })
    .transform((s) => s.trim())
    .pipe(z.string().email({ message: 'organisers.errors.emailInvalid' })),
  role: z.enum(['owner', 'editor'], { message: 'organisers.errors.invalid' }),
});

/**
 * Removing a member from the team. Without `confirm`, the owners are first shown what the removal
 * ends (tokens, links, webhooks the member made); `handOver: me` keeps those, with the acting owner
 * as their creator, `revoke` (or nothing) ends them.
 */
export const removeMemberSchema = z.object({
  organiserId: z
    .string({ message: 'organisers.errors.invalid' })
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'organisers.errors.invalid' }),
  confirm: z
    .literal('1', { message: 'organisers.errors.invalid' })
    .optional()
    .transform((v) => v === '1'),
  handOver: z.enum(['me', 'revoke'], { message: 'organisers.errors.invalid' }).optional(),
});
