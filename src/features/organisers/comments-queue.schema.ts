import { z } from 'zod';
import { COMMENT_BULK_LIMIT, type CommentDecision, type CommentSelection } from './comments-queue.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * One decision of the comments queue. The pressed button says it: `approve` or `reject` for the
 * ticked comments (`ids`), `approve:<group>` or `reject:<group>` for a whole group of the same text.
 */
export const commentDecisionSchema = z
  .object({
    decide: z
      .string({ message: 'organisers.comments.errors.decision' })
      .regex(/^(approve|reject)(:[0-9a-f]{32})?$/, { message: 'organisers.comments.errors.decision' }),
    ids: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
      .pipe(
        z
          .array(z.string().regex(UUID, { message: 'organisers.comments.errors.invalid' }))
          .max(COMMENT_BULK_LIMIT, { message: 'organisers.comments.errors.tooMany' }),
      ),
  })
  .superRefine((v, ctx) => {
    if (!v.decide.includes(':') && !v.ids.length)
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'organisers.comments.errors.noneChosen' });
  })
  .transform((v): { decision: CommentDecision; selection: CommentSelection } => {
    const [decision, group] = v.decide.split(':') as [CommentDecision, string | undefined];
    return { decision, selection: group ? { group } : { ids: v.ids } };
  });
