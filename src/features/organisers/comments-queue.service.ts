import type { DataSource, EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import { type AuditActor, recordAudit } from '../../core/audit';

/**
 * The comments queue: signers' "why I signed" comments wait here until an organiser of the letter
 * approves them (they are then shown on the list, the letter page's wall and its JSON) or rejects
 * them (the text is erased from the row at once: nothing is kept to be shown by mistake later).
 *
 * Only comments that could ever be shown enter it: of a confirmed signature in the public count,
 * whose signer listed a name or initials, or keeps their name private and allowed the comment to be
 * shown without it. A private signer who did not allow it has no comment stored (sign-letter.ts).
 *
 * Comments are grouped by their text (case and spaces aside), largest group first, so that the
 * same words posted a hundred times are decided at once. Decisions apply to at most
 * COMMENT_BULK_LIMIT comments a request, and the page reads at most COMMENT_QUEUE_PAGE of them.
 */

/** Comments one decision may apply to: a larger group is decided in several requests. */
export const COMMENT_BULK_LIMIT = 100;
/** Comments the queue page shows at once, oldest first (grouped). */
export const COMMENT_QUEUE_PAGE = 200;
export const COMMENT_DECISIONS = ['approve', 'reject'] as const;
export type CommentDecision = (typeof COMMENT_DECISIONS)[number];

/** Waiting for a decision, over `signatures s` ($1: the letter). */
const QUEUED = `s.letter_id = $1 AND s.comment_status = 'pending' AND s.status = 'confirmed' AND s.held_reason IS NULL
  AND (s.visibility <> 'private' OR s.comment_anonymous)`;

/** A comment's group: its text, lower case, spaces folded. */
const GROUP_KEY = `md5(lower(btrim(regexp_replace(s.comment, '[[:space:]]+', ' ', 'g'))))`;

export interface QueuedComment {
  id: string;
  /** As it would be signed publicly: the name or initials, or null for "a signer from …". */
  name: string | null;
  organisation: string | null;
  country: string;
  confirmedAt: Date;
}

export interface CommentGroup {
  key: string;
  text: string;
  comments: QueuedComment[];
}

/** How many comments wait, and the oldest of them grouped by their text, largest group first. */
export async function commentQueue(
  db: DataSource | EntityManager,
  letterId: string,
): Promise<{ total: number; groups: CommentGroup[] }> {
  const [count] = await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM signatures s WHERE ${QUEUED}`, [
    letterId,
  ]);
  const rows: Array<{
    id: string;
    key: string;
    comment: string;
    name: string | null;
    organisation: string | null;
    country: string;
    confirmed_at: Date;
  }> = await db.query(
    `SELECT s.id, ${GROUP_KEY} AS key, s.comment, signatory_public_name(s.full_name, s.visibility) AS name,
            CASE WHEN s.signed_as = 'organisation' AND s.visibility <> 'private' THEN s.organisation END AS organisation,
            s.country, s.confirmed_at
       FROM signatures s WHERE ${QUEUED}
      ORDER BY s.created_at, s.id
      LIMIT $2`,
    [letterId, COMMENT_QUEUE_PAGE],
  );
  const groups = new Map<string, CommentGroup>();
  for (const r of rows) {
    let g = groups.get(r.key);
    if (!g) groups.set(r.key, (g = { key: r.key, text: r.comment, comments: [] }));
    g.comments.push({
      id: r.id,
      name: r.name || null,
      organisation: r.organisation,
      country: r.country,
      confirmedAt: r.confirmed_at,
    });
  }
  return {
    total: count?.n ?? 0,
    groups: [...groups.values()].sort((a, b) => b.comments.length - a.comments.length),
  };
}

/** Which comments a decision is about: the ones ticked, or a whole group (by its key). */
export type CommentSelection = { ids: string[] } | { group: string };

/**
 * Approves or rejects the chosen comments still waiting (at most COMMENT_BULK_LIMIT), in one
 * transaction with its audit entry (how many, never the text). Rejecting erases the text.
 * Returns how many comments the decision applied to.
 */
export async function decideComments(
  ctx: AppContext,
  letterId: string,
  actor: AuditActor,
  decision: CommentDecision,
  selection: CommentSelection,
): Promise<number> {
  const chosen = 'ids' in selection ? `s.id = ANY($2::uuid[])` : `${GROUP_KEY} = $2`;
  const param = 'ids' in selection ? selection.ids : selection.group;
  const change =
    decision === 'approve'
      ? `comment_status = 'approved', comment_approved_at = now()`
      : `comment = NULL, comment_status = NULL, comment_anonymous = false`;
  const total = await ctx.db.transaction(async (tx) => {
    const rows: Array<{ n: number }> = await tx.query(
      `WITH target AS (
         SELECT s.id FROM signatures s WHERE ${QUEUED} AND ${chosen}
          ORDER BY s.created_at, s.id LIMIT $3 FOR UPDATE OF s
       ), changed AS (
         UPDATE signatures s SET ${change} FROM target WHERE s.id = target.id RETURNING s.id
       )
       SELECT count(*)::int AS n FROM changed`,
      [letterId, param, COMMENT_BULK_LIMIT],
    );
    const n = rows[0]?.n ?? 0;
    if (n > 0)
      await recordAudit(tx, {
        letterId,
        actor,
        kind: decision === 'approve' ? 'organisers.comments-approved' : 'organisers.comments-rejected',
        detail: { count: n },
      });
    return n;
  });
  ctx.log.info({ letterId, decision, comments: total }, 'comments decided');
  return total;
}
