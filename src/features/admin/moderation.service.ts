import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import { forgetCachedLetter } from '../../core/letters/letters.service';
import type { AppContext } from '../../platform/context';
import { enqueue } from '../../platform/mail/queue';
import { recordInstanceAudit } from './instance-audit.service';
import { needsReview, startPolicy } from './settings.service';

export const REVIEW_DECISIONS = ['approve', 'changes', 'reject'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export const TASK_REVIEW_DECISION_EMAIL = 'admin-review-decision-email';
export interface ReviewDecisionEmailJob {
  decisionId: string;
}

/** How long a note or a starter's answer may be. */
export const REVIEW_NOTE_MAX = 2000;

interface LockedLetter {
  id: string;
  slug: string;
  status: string;
  review_state: string;
  second_review_requested_at: Date | null;
}

async function lockLetter(tx: EntityManager, letterId: string): Promise<LockedLetter | null> {
  const [row] = await tx.query<LockedLetter[]>(
    `SELECT id, slug, status, review_state, second_review_requested_at FROM letters WHERE id = $1 FOR UPDATE`,
    [letterId],
  );
  return row ?? null;
}

export type SubmitOutcome = 'submitted' | 'published' | 'not-editable';

/**
 * The starter sends their letter on: under the policy that asks for an admin's approval (and for a
 * starter who is no admin) it joins the admins' queue, with the starter's answer to a request for
 * changes; otherwise it is published at once (open, needing no review). Only a letter being written
 * or changed on request can be sent.
 */
export async function submitLetter(
  ctx: AppContext,
  letterId: string,
  starter: { id: string; name: string; isAdmin: boolean },
  reply: string,
): Promise<SubmitOutcome> {
  const outcome = await ctx.db.transaction(async (tx) => {
    const letter = await lockLetter(tx, letterId);
    if (!letter || !['draft', 'changes_requested'].includes(letter.review_state)) return 'not-editable' as const;
    const actor: AuditActor = { id: starter.id, name: starter.name };
    if (needsReview(await startPolicy(tx), starter)) {
      await tx.query(
        `UPDATE letters SET review_state = 'submitted', review_submitted_at = now(), review_reply = nullif($2, ''), updated_at = now() WHERE id = $1`,
        [letterId, reply],
      );
      await recordAudit(tx, { letterId, actor, kind: 'admin.review-submitted', detail: { note: reply || undefined } });
      return 'submitted' as const;
    }
    await tx.query(
      `UPDATE letters SET review_state = 'none', status = CASE WHEN status = 'draft' THEN 'open' ELSE status END, updated_at = now() WHERE id = $1`,
      [letterId],
    );
    await recordAudit(tx, { letterId, actor, kind: 'admin.published-at-once' });
    return 'published' as const;
  });
  if (outcome === 'published') forgetCachedLetter(letterId);
  return outcome;
}

export type SecondReviewOutcome = 'requested' | 'not-rejected' | 'already-asked';

/** A rejected letter's starter asks, once, for another admin to look at it again. */
export async function requestSecondReview(
  ctx: AppContext,
  letterId: string,
  starter: AuditActor,
  reply: string,
): Promise<SecondReviewOutcome> {
  return ctx.db.transaction(async (tx) => {
    const letter = await lockLetter(tx, letterId);
    if (!letter || letter.review_state !== 'rejected') return 'not-rejected';
    if (letter.second_review_requested_at) return 'already-asked';
    await tx.query(
      `UPDATE letters SET review_state = 'submitted', review_submitted_at = now(), second_review_requested_at = now(),
              review_reply = nullif($2, ''), updated_at = now() WHERE id = $1`,
      [letterId, reply],
    );
    await recordAudit(tx, {
      letterId,
      actor: starter,
      kind: 'admin.second-review-requested',
      detail: { note: reply || undefined },
    });
    return 'requested';
  });
}

export interface DecisionInput {
  decision: ReviewDecision;
  /** A published reason's key: required to reject, ignored otherwise. */
  reasonKey: string | null;
  /** For the starter: required when asking for changes, optional otherwise. */
  note: string;
}

export type DecideOutcome =
  { ok: true; decisionId: string } | { ok: false; problem: 'not-waiting' | 'same-admin' | 'reason' | 'note' };

/**
 * An admin's decision on a letter waiting for review: approve (it opens, and is public), ask for
 * changes (the note goes to the starter, who edits and sends it again), or reject with a published
 * reason. On a second review, the admin who rejected it may not decide: someone else must.
 * The decision, the letter's trail and the instance's trail land together, with the starter's email queued.
 */
export async function decide(
  ctx: AppContext,
  letterId: string,
  admin: AuditActor,
  input: DecisionInput,
): Promise<DecideOutcome> {
  const outcome = await ctx.db.transaction(async (tx): Promise<DecideOutcome> => {
    const letter = await lockLetter(tx, letterId);
    if (!letter || letter.review_state !== 'submitted') return { ok: false, problem: 'not-waiting' };
    const secondReview = letter.second_review_requested_at !== null;
    if (secondReview) {
      const [first] = await tx.query<Array<{ admin_id: string | null }>>(
        `SELECT admin_id FROM letter_review_decisions WHERE letter_id = $1 AND decision = 'reject' AND NOT second_review
          ORDER BY decided_at DESC, id DESC LIMIT 1`,
        [letterId],
      );
      if (first?.admin_id === admin.id) return { ok: false, problem: 'same-admin' };
    }
    if (input.decision === 'reject') {
      const [reason] = await tx.query<Array<{ key: string }>>(
        `SELECT key FROM rejection_reasons WHERE key = $1 AND active`,
        [input.reasonKey ?? ''],
      );
      if (!reason) return { ok: false, problem: 'reason' };
    }
    if (input.decision === 'changes' && !input.note) return { ok: false, problem: 'note' };
    const [row] = await tx.query<Array<{ id: string }>>(
      `INSERT INTO letter_review_decisions (letter_id, admin_id, admin_name, decision, reason_key, note, second_review)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        letterId,
        admin.id,
        admin.name.trim(),
        input.decision,
        input.decision === 'reject' ? input.reasonKey : null,
        input.note,
        secondReview,
      ],
    );
    const next = { approve: 'approved', changes: 'changes_requested', reject: 'rejected' }[input.decision];
    await tx.query(
      `UPDATE letters SET review_state = $2::text, updated_at = now(),
              status = CASE WHEN $2::text = 'approved' AND status = 'draft' THEN 'open' ELSE status END
        WHERE id = $1`,
      [letterId, next],
    );
    const detail = {
      decisionId: String(row.id),
      reason: input.decision === 'reject' ? input.reasonKey : undefined,
      note: input.note || undefined,
      secondReview: secondReview || undefined,
    };
    await recordAudit(tx, { letterId, actor: admin, kind: `admin.review-${input.decision}`, detail });
    await recordInstanceAudit(tx, {
      actor: admin,
      action: `admin.letter-${input.decision}`,
      detail: { letterId, slug: letter.slug, reason: detail.reason, secondReview: detail.secondReview },
    });
    const job: ReviewDecisionEmailJob = { decisionId: String(row.id) };
    await enqueue(tx, TASK_REVIEW_DECISION_EMAIL, job, { maxAttempts: 5 });
    return { ok: true, decisionId: String(row.id) };
  });
  if (outcome.ok) forgetCachedLetter(letterId);
  return outcome;
}

export interface DecisionRow {
  id: string;
  adminId: string | null;
  adminName: string;
  decision: ReviewDecision;
  reasonKey: string | null;
  reasonLabel: string;
  note: string;
  secondReview: boolean;
  decidedAt: Date;
}

/** A letter's decisions, oldest first (the starter's page and the admins' review page). */
export async function letterDecisions(db: DataSource | EntityManager, letterId: string): Promise<DecisionRow[]> {
  const rows = await db.query<
    Array<{
      id: string;
      admin_id: string | null;
      admin_name: string;
      decision: ReviewDecision;
      reason_key: string | null;
      reason_label: string | null;
      note: string;
      second_review: boolean;
      decided_at: Date;
    }>
  >(
    `SELECT d.id, d.admin_id, d.admin_name, d.decision, d.reason_key, r.label AS reason_label, d.note, d.second_review, d.decided_at
       FROM letter_review_decisions d LEFT JOIN rejection_reasons r ON r.key = d.reason_key
      WHERE d.letter_id = $1 ORDER BY d.decided_at, d.id`,
    [letterId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    adminId: r.admin_id,
    adminName: r.admin_name,
    decision: r.decision,
    reasonKey: r.reason_key,
    reasonLabel: r.reason_label ?? '',
    note: r.note,
    secondReview: r.second_review,
    decidedAt: r.decided_at,
  }));
}

export interface QueueEntry {
  id: string;
  slug: string;
  title: string;
  submittedAt: Date;
  secondReview: boolean;
}

/** Letters waiting for review, oldest first (at most `limit`; the queue's own index). */
export async function reviewQueue(db: DataSource, limit = 100): Promise<QueueEntry[]> {
  const rows = await db.query<
    Array<{ id: string; slug: string; title: string | null; submitted_at: Date; second: boolean }>
  >(
    `SELECT l.id, l.slug, l.review_submitted_at AS submitted_at, l.second_review_requested_at IS NOT NULL AS second,
            (SELECT t.title FROM letter_translations t WHERE t.letter_id = l.id
              ORDER BY t.language = l.default_language DESC, t.language LIMIT 1) AS title
       FROM letters l WHERE l.review_state = 'submitted' ORDER BY l.review_submitted_at, l.id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: r.title ?? r.slug,
    submittedAt: r.submitted_at,
    secondReview: r.second,
  }));
}
