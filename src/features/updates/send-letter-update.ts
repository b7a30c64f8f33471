import { type AuditActor, recordAudit } from '../../core/audit';
import type { Language, Letter } from '../../core/letters/letter.entity';
import type { AppContext } from '../../platform/context';
import { enqueue } from '../../platform/mail/queue';
import { AppError, NotFound } from '../../platform/web/errors';
import { LetterUpdate, LetterUpdateVersion } from './letter-update.entity';
import type { Segment } from './update-segment';
import { updatesInWeekOf, UPDATES_PER_WEEK, WeeklyLimitReached } from './update-limit';
import { TASK_UPDATE_FANOUT, type FanoutJob } from './updates.queue';

/** An update as its owner confirmed it: a version per language (the default's required), its segment, its time. */
export interface UpdateDraft {
  versions: Map<Language, { subject: string; body: string }>;
  segment: Segment;
  /** Null: at once. */
  sendAt: Date | null;
}

/** The fan-out's job key: one fan-out per update, removed when the update is cancelled. */
export function fanoutJobKey(updateId: string): string {
  return `letter-update-fanout:${updateId}`;
}

/**
 * Saves the update and queues its fan-out (at its time, for a scheduled one) in the same
 * transaction: the email exists exactly when the update does. The letter's row is locked first,
 * so two owners sending at once cannot both take the week's last place.
 */
export async function sendLetterUpdate(
  ctx: AppContext,
  letter: Letter,
  draft: UpdateDraft,
  actor: AuditActor | null,
): Promise<LetterUpdate> {
  const main = draft.versions.get(letter.defaultLanguage);
  if (!main) throw new AppError(422, 'default_version_missing', 'updates.errors.subjectRequired');
  return ctx.db.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM letters WHERE id = $1 FOR NO KEY UPDATE`, [letter.id]);
    const at = draft.sendAt ?? new Date();
    if ((await updatesInWeekOf(tx, letter.id, at)) >= UPDATES_PER_WEEK) throw new WeeklyLimitReached(at);
    const update = await tx.save(
      tx.create(LetterUpdate, {
        letterId: letter.id,
        language: letter.defaultLanguage,
        subject: main.subject,
        bodyMarkdown: main.body,
        segmentCountries: draft.segment.countries?.length ? draft.segment.countries : null,
        segmentTextLanguage: draft.segment.textVersion?.language ?? null,
        segmentTextVersion: draft.segment.textVersion?.version ?? null,
        segmentSource: draft.segment.source,
        // Sent at once: when it was written (the database's clock, as for created_at).
        ...(draft.sendAt ? { sendAt: draft.sendAt } : {}),
        createdBy: actor?.id ?? null,
      }),
    );
    const others = [...draft.versions].filter(([language]) => language !== letter.defaultLanguage);
    if (others.length)
      await tx.insert(
        LetterUpdateVersion,
        others.map(([language, v]) => ({ updateId: update.id, language, subject: v.subject, bodyMarkdown: v.body })),
      );
    await enqueue(tx, TASK_UPDATE_FANOUT, { kind: 'update', id: update.id } satisfies FanoutJob, {
      maxAttempts: 10,
      jobKey: fanoutJobKey(update.id),
      ...(draft.sendAt ? { runAt: draft.sendAt } : {}),
    });
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: draft.sendAt ? 'updates.update-scheduled' : 'updates.update-sent',
      detail: draft.sendAt
        ? { updateId: update.id, subject: main.subject, sendAt: draft.sendAt.toISOString() }
        : { updateId: update.id, subject: main.subject },
    });
    ctx.log.info({ letterId: letter.id, updateId: update.id, scheduled: !!draft.sendAt }, 'letter update queued');
    return update;
  });
}

/**
 * Cancels a scheduled update before it goes: its fan-out job is removed, and the fan-out, which
 * takes the same row lock, finds it cancelled if it had already started waiting. Once the fan-out
 * has queued any email it is too late (409). Cancelling twice changes nothing.
 */
export async function cancelLetterUpdate(
  ctx: AppContext,
  letter: Letter,
  updateId: string,
  actor: AuditActor | null,
): Promise<void> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(updateId)) throw new NotFound();
  await ctx.db.transaction(async (tx) => {
    const update = await tx
      .getRepository(LetterUpdate)
      .createQueryBuilder('u')
      .setLock('pessimistic_write')
      .where('u.id = :id AND u.letter_id = :letterId', { id: updateId, letterId: letter.id })
      .getOne();
    if (!update) throw new NotFound();
    if (update.cancelledAt) return;
    if (update.sentAt || update.fanoutCursor || update.recipients > 0)
      throw new AppError(409, 'update_already_sent', 'updates.errors.alreadySent');
    await tx.update(LetterUpdate, { id: update.id }, { cancelledAt: () => 'now()' });
    await tx.query(`SELECT graphile_worker.remove_job($1)`, [fanoutJobKey(update.id)]);
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'updates.update-cancelled',
      detail: { updateId: update.id, subject: update.subject },
    });
    ctx.log.info({ letterId: letter.id, updateId: update.id }, 'scheduled letter update cancelled');
  });
}
