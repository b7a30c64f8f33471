import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import { ANSWER_KINDS, type AnswerKind } from '../updates';
import { ResponseClock } from './response-clock.entity';

export const CLOCK_STATES = ['awaiting', 'overdue', 'answered'] as const;
export type ClockState = (typeof CLOCK_STATES)[number];

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant, YYYY-MM-DD. */
export function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Whole days from one calendar day to another (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function addDays(day: string, days: number): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/** The first published answer of a letter, as the clock counts it. */
export interface ClockAnswer {
  responseId: string;
  /** The day the officials answered (YYYY-MM-DD). */
  respondedOn: string;
  kind: AnswerKind;
  publishedAt: Date;
}

/** Where a delivered letter's question stands, as the page, its JSON, the API and /responses show it. */
export interface LetterClock {
  state: ClockState;
  deliveredAt: Date;
  /** The day a response was asked for (YYYY-MM-DD), or null. */
  dueOn: string | null;
  /** Days left until the due day (0 on the day itself) while awaiting; null otherwise. */
  dueInDays: number | null;
  /** Days past the due day, when overdue. */
  overdueDays: number | null;
  answer: ClockAnswer | null;
}

/**
 * The clock's state at `now`: answered once a response is published; overdue from the day after
 * the due day until then; awaiting otherwise (a letter with no due day is never overdue). Days
 * are UTC calendar days.
 */
export function clockAt(
  input: { deliveredAt: Date; dueOn: string | null; answer: ClockAnswer | null },
  now: Date,
): LetterClock {
  const base = { deliveredAt: input.deliveredAt, dueOn: input.dueOn, answer: input.answer };
  if (input.answer) return { ...base, state: 'answered', dueInDays: null, overdueDays: null };
  const left = input.dueOn === null ? null : daysBetween(dayOf(now), input.dueOn);
  if (left !== null && left < 0) return { ...base, state: 'overdue', dueInDays: null, overdueDays: -left };
  return { ...base, state: 'awaiting', dueInDays: left, overdueDays: null };
}

/** The clock as the JSON and the API give it: a state and ISO dates. */
export function clockJson(c: LetterClock | null) {
  if (!c) return null;
  return {
    state: c.state,
    deliveredAt: c.deliveredAt.toISOString(),
    dueOn: c.dueOn,
    overdueDays: c.overdueDays,
    answeredOn: c.answer?.respondedOn ?? null,
    answerKind: c.answer?.kind ?? null,
  };
}

/** The owners' settings of a letter's clock, or null when they never set one. */
export function findClock(db: DataSource | EntityManager, letterId: string): Promise<ResponseClock | null> {
  return db.getRepository(ResponseClock).findOneBy({ letterId });
}

/** A letter's first published response (the answer that stops the clock), or null. */
export async function firstAnswer(db: DataSource | EntityManager, letterId: string): Promise<ClockAnswer | null> {
  const [row] = await db.query<
    Array<{ id: string; responded_on: string; answer_kind: AnswerKind; published_at: Date | null; created_at: Date }>
  >(
    `SELECT id, to_char(responded_on, 'YYYY-MM-DD') AS responded_on, answer_kind, published_at, created_at
       FROM letter_responses WHERE letter_id = $1 AND status = 'published'
      ORDER BY coalesce(published_at, created_at), id LIMIT 1`,
    [letterId],
  );
  return row
    ? {
        responseId: row.id,
        respondedOn: row.responded_on,
        kind: ANSWER_KINDS.includes(row.answer_kind) ? row.answer_kind : 'statement',
        publishedAt: row.published_at ?? row.created_at,
      }
    : null;
}

/** The clock of a letter at `now`: null until its delivery is recorded. */
export async function letterClock(
  db: DataSource | EntityManager,
  letter: { id: string; deliveredAt: Date | null },
  now = new Date(),
): Promise<LetterClock | null> {
  if (!letter.deliveredAt) return null;
  const [clock, answer] = await Promise.all([findClock(db, letter.id), firstAnswer(db, letter.id)]);
  return clockAt({ deliveredAt: letter.deliveredAt, dueOn: clock?.dueOn ?? null, answer }, now);
}

/** What the owners choose with a delivery: a due day (or none), and reminders at some points. */
export interface ClockSettings {
  dueOn: string | null;
  reminders: boolean;
  points: number[];
}

/**
 * Saves the owners' clock with the delivery, in the delivery's transaction, each change in the
 * audit trail. Turning reminders off or moving the due day cancels the reminders not yet sent.
 * A delivery cleared takes its clock with it.
 */
export async function saveResponseClock(
  tx: EntityManager,
  letterId: string,
  settings: ClockSettings | null,
  actor: AuditActor,
): Promise<void> {
  const before = await tx
    .getRepository(ResponseClock)
    .findOne({ where: { letterId }, lock: { mode: 'pessimistic_write' } });
  if (!settings) {
    if (!before) return;
    await tx.delete(ResponseClock, { letterId });
    await tx.query(`UPDATE response_reminders SET status = 'cancelled' WHERE letter_id = $1 AND status = 'queued'`, [
      letterId,
    ]);
    return;
  }
  const points = [...new Set(settings.points)].sort((a, b) => a - b);
  const reminders = settings.reminders && settings.dueOn !== null && points.length > 0;
  await tx.query(
    `INSERT INTO response_clocks (letter_id, due_on, reminders, reminder_points, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (letter_id) DO UPDATE SET due_on = $2, reminders = $3, reminder_points = $4, updated_at = now()`,
    [letterId, settings.dueOn, reminders, points.length ? points : [-7, 0]],
  );
  const dueChanged = (before?.dueOn ?? null) !== settings.dueOn;
  if (dueChanged)
    await recordAudit(tx, {
      letterId,
      actor,
      ...(settings.dueOn
        ? { kind: 'responseClock.due-set', detail: { dueOn: settings.dueOn } }
        : { kind: 'responseClock.due-cleared' }),
    });
  const wasOn = before?.reminders ?? false;
  const pointsChanged = (before?.reminderPoints ?? []).join(',') !== points.join(',');
  if (reminders && (!wasOn || pointsChanged))
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'responseClock.reminders-on',
      detail: { points: points.join(', ') },
    });
  if (!reminders && wasOn) await recordAudit(tx, { letterId, actor, kind: 'responseClock.reminders-off' });
  if (!reminders || dueChanged)
    await tx.query(`UPDATE response_reminders SET status = 'cancelled' WHERE letter_id = $1 AND status = 'queued'`, [
      letterId,
    ]);
}

/**
 * The clock the form asks for, given the delivery's day: the typed day wins over "N days after";
 * a day must fall after the delivery and within MAX_DUE_DAYS of it. Errors name the form's fields.
 */
export function clockSettingsFor(
  form: { responseDueOn: string; responseWithin: number | null; reminders: boolean; reminderPoints: number[] },
  deliveredOn: string,
  maxDays: number,
): { ok: true; settings: ClockSettings } | { ok: false; errors: Record<string, string> } {
  const dueOn = form.responseDueOn || (form.responseWithin ? addDays(deliveredOn, form.responseWithin) : null);
  if (dueOn && dueOn <= deliveredOn)
    return { ok: false, errors: { responseDueOn: 'responseClock.errors.beforeDelivery' } };
  if (dueOn && daysBetween(deliveredOn, dueOn) > maxDays)
    return { ok: false, errors: { responseDueOn: 'responseClock.errors.tooFar' } };
  if (form.reminders && !dueOn) return { ok: false, errors: { reminders: 'responseClock.errors.remindersNeedDate' } };
  if (form.reminders && !form.reminderPoints.length)
    return { ok: false, errors: { reminderPoints: 'responseClock.errors.pointsRequired' } };
  return { ok: true, settings: { dueOn, reminders: form.reminders, points: form.reminderPoints } };
}
