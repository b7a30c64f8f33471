import type { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../platform/web/errors';

/**
 * Updates a letter may send in one week (Monday to Sunday, UTC), counted by when each goes out,
 * scheduled ones included and cancelled ones not. Signers asked for news, not a newsletter: a
 * few a week is plenty, and a cap keeps a hijacked session from flooding thousands of inboxes.
 */
export const UPDATES_PER_WEEK = 3;

/** The week's limit is reached: the owner sees how many went out that week and when it resets. */
export class WeeklyLimitReached extends AppError {
  constructor(readonly weekStart: Date) {
    super(429, 'update_limit', 'updates.errors.weeklyLimit', { limit: UPDATES_PER_WEEK });
  }
}

/** Monday 00:00 UTC of the week `at` falls in. */
export function weekStartOf(at: Date): Date {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

/** How many updates of the letter go out in the week of `at` (not cancelled). */
export async function updatesInWeekOf(db: DataSource | EntityManager, letterId: string, at: Date): Promise<number> {
  const start = weekStartOf(at);
  const end = new Date(start.getTime() + 7 * 86_400_000);
  const [row] = await db.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM letter_updates
      WHERE letter_id = $1 AND cancelled_at IS NULL AND send_at >= $2 AND send_at < $3`,
    [letterId, start, end],
  );
  return Number(row?.n ?? 0);
}

/** How many more updates the letter may send this week. */
export async function remainingThisWeek(
  db: DataSource | EntityManager,
  letterId: string,
  now = new Date(),
): Promise<number> {
  return Math.max(0, UPDATES_PER_WEEK - (await updatesInWeekOf(db, letterId, now)));
}
