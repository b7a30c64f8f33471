import type { DataSource } from 'typeorm';

/** How many months back the public record shows (the current month included). */
export const MODERATION_RECORD_MONTHS = 24;

export interface ModerationMonth {
  /** The first day of the month, UTC. */
  month: Date;
  approved: number;
  changes: number;
  rejected: number;
  /** Rejections per reason key. */
  rejectedFor: Record<string, number>;
}

/**
 * The admins' review decisions counted per month (UTC) for the last MODERATION_RECORD_MONTHS
 * months, newest first: letters approved, letters asked to change, letters rejected per reason.
 * A letter counts once per month and kind of decision however many times it was decided so
 * (a letter deleted since counts by its decision). One grouped read of an indexed range of
 * `letter_review_decisions`, whatever the request.
 */
export async function moderationRecord(db: DataSource, now = new Date()): Promise<ModerationMonth[]> {
  const rows: Array<{ month: Date; decision: 'approve' | 'changes' | 'reject'; reason_key: string | null; n: number }> =
    await db.query(
      `SELECT date_trunc('month', decided_at, 'UTC') AS month, decision, reason_key,
              count(DISTINCT coalesce(letter_id::text, 'decision-' || id))::int AS n
         FROM letter_review_decisions
        WHERE decided_at >= date_trunc('month', $1::timestamptz, 'UTC') - make_interval(months => $2)
        GROUP BY 1, 2, 3
        ORDER BY 1 DESC`,
      [now, MODERATION_RECORD_MONTHS - 1],
    );
  const months = new Map<number, ModerationMonth>();
  for (const r of rows) {
    const key = new Date(r.month).getTime();
    let m = months.get(key);
    if (!m) months.set(key, (m = { month: new Date(r.month), approved: 0, changes: 0, rejected: 0, rejectedFor: {} }));
    if (r.decision === 'approve') m.approved += r.n;
    else if (r.decision === 'changes') m.changes += r.n;
    else {
      m.rejected += r.n;
      const reason = r.reason_key ?? '';
      m.rejectedFor[reason] = (m.rejectedFor[reason] ?? 0) + r.n;
    }
  }
  return [...months.values()];
}
