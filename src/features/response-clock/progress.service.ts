import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { type AuditActor, recordAudit } from '../../core/audit';
import { verifiedCount } from '../../core/letters/counts.service';
import type { Letter } from '../../core/letters/letter.entity';
import { findLetterById } from '../../core/letters/letters.service';
import type { AppContext } from '../../platform/context';
import type { Mailer } from '../../platform/mail/mailer';
import { enqueue } from '../../platform/mail/queue';
import { formatDate, formatNumber, tFor } from '../../platform/web/i18n';
import { isCalendarDay } from '../updates';
import { dayOf } from './clock.service';
import { PROGRESS_CADENCES, ProgressDigest } from './response-clock.entity';
import { MILESTONES } from './timeline.service';

export const TASK_PROGRESS_DIGESTS = 'progress-digests';
export const TASK_PROGRESS_DIGEST_EMAIL = 'progress-digest-email';
export const PROGRESS_DIGESTS_CRONTAB = `41 * * * * ${TASK_PROGRESS_DIGESTS}`;
export const MAX_PROGRESS_ADDRESSES = 5;
const WEEK_MS = 7 * 86_400_000;
/** Milestones are told at most once a day, however fast the count climbs. */
const MILESTONE_GAP_MS = 86_400_000;

/** The owners' form: on or off, to whom (one address a line), the planned delivery, how often. */
export const progressFormSchema = z.object({
  progress: z.preprocess((v) => v === 'on' || v === '1' || v === 'true', z.boolean()),
  addresses: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(/[\s,;]+/)
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().max(320).email({ message: 'responseClock.errors.progressAddress' }))
        .max(MAX_PROGRESS_ADDRESSES, 'responseClock.errors.progressTooMany'),
    ),
  plannedOn: z
    .string()
    .optional()
    .transform((s) => (s ?? '').trim())
    .refine((s) => !s || isCalendarDay(s), 'responseClock.errors.date')
    .transform((s) => s || null),
  cadence: z.enum(PROGRESS_CADENCES, { message: 'responseClock.errors.progressCadence' }),
});
export type ProgressForm = z.output<typeof progressFormSchema>;

export function findProgressDigest(db: EntityManager | AppContext['db'], letterId: string) {
  return db.getRepository(ProgressDigest).findOneBy({ letterId });
}

/**
 * Saves the owners' choice, with its audit entry (never the addresses), in one transaction:
 * only before the delivery; turned off, the addresses are deleted. Counting starts from the
 * count of the moment, so no milestone passed before is told.
 */
export async function saveProgressDigest(
  ctx: AppContext,
  letter: Letter,
  form: ProgressForm,
  actor: AuditActor,
): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
  if (letter.deliveredAt) return { ok: false, errors: { progress: 'responseClock.errors.progressDelivered' } };
  if (form.progress && !form.addresses.length)
    return { ok: false, errors: { addresses: 'responseClock.errors.progressAddresses' } };
  if (form.plannedOn && form.plannedOn < dayOf(new Date()))
    return { ok: false, errors: { plannedOn: 'responseClock.errors.progressPlannedPast' } };
  await ctx.db.transaction(async (tx) => {
    const before = await tx.getRepository(ProgressDigest).findOneBy({ letterId: letter.id });
    if (!form.progress) {
      if (!before) return;
      await tx.delete(ProgressDigest, { letterId: letter.id });
      await recordAudit(tx, { letterId: letter.id, actor, kind: 'responseClock.progress-off' });
      return;
    }
    const count = await verifiedCount(tx, letter.id);
    await tx.query(
      `INSERT INTO progress_digests (letter_id, addresses, planned_on, cadence, last_count, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (letter_id) DO UPDATE SET addresses = $2, planned_on = $3, cadence = $4, updated_at = now()`,
      [letter.id, form.addresses, form.plannedOn, form.cadence, count],
    );
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'responseClock.progress-on',
      detail: { cadence: form.cadence, plannedOn: form.plannedOn ?? '', addresses: form.addresses.length },
    });
  });
  return { ok: true };
}

/** The delivery is recorded: the addressees now get their links, and the addresses here go. */
export async function endProgressDigest(tx: EntityManager, letterId: string): Promise<void> {
  await tx.delete(ProgressDigest, { letterId });
}

/** A digest's mail: the letter, which address of the row, and what it tells. */
export interface ProgressDigestJob {
  letterId: string;
  index: number;
  count: number;
}

/**
 * Picks the digests due at `now`, each in one transaction: the row is advanced (its time and
 * count) only if nobody advanced it meanwhile, and its mails are queued with it, so a rerun or
 * a second worker finds nothing to send. Weekly: the first run after it was turned on, then
 * every seven days. At milestones: when the count has passed one of them (or the goal) since the
 * last digest, at most once a day. Whatever the number of signatures, at most one message per
 * address each time. Before that, the addresses of letters no longer open, or delivered, are
 * deleted (they were kept only for this). Answers how many digests were queued.
 */
export async function queueDueProgressDigests(ctx: AppContext, now = new Date()): Promise<number> {
  await ctx.db.query(
    `DELETE FROM progress_digests p USING letters l
      WHERE l.id = p.letter_id AND (l.delivered_at IS NOT NULL OR l.status <> 'open' OR l.closes_at <= $1)`,
    [now],
  );
  const rows = await ctx.db.getRepository(ProgressDigest).find();
  let queued = 0;
  for (const row of rows) {
    const letter = await ctx.db.query<Array<{ goal: number | null }>>(`SELECT goal FROM letters WHERE id = $1`, [
      row.letterId,
    ]);
    const count = await verifiedCount(ctx.db, row.letterId);
    const since = row.lastSentAt ? now.getTime() - row.lastSentAt.getTime() : Infinity;
    const thresholds = [...MILESTONES, ...(letter[0]?.goal ? [letter[0].goal] : [])];
    const due =
      row.cadence === 'weekly'
        ? since >= WEEK_MS
        : since >= MILESTONE_GAP_MS && thresholds.some((m) => row.lastCount < m && count >= m);
    if (!due) continue;
    const sent = await ctx.db.transaction(async (tx) => {
      // An UPDATE answers [rows, affected count].
      const [claimed] = await tx.query<[Array<{ n: number }>, number]>(
        `UPDATE progress_digests SET last_sent_at = $2, last_count = $3
          WHERE letter_id = $1 AND last_sent_at IS NOT DISTINCT FROM $4 RETURNING cardinality(addresses) AS n`,
        [row.letterId, now, count, row.lastSentAt],
      );
      const n = claimed[0]?.n ?? 0;
      for (let index = 0; index < n; index++)
        await enqueue(
          tx,
          TASK_PROGRESS_DIGEST_EMAIL,
          { letterId: row.letterId, index, count } satisfies ProgressDigestJob,
          { jobKey: `progress-digest:${row.letterId}:${now.getTime()}:${index}`, maxAttempts: 5 },
        );
      if (n)
        await recordAudit(tx, {
          letterId: row.letterId,
          actor: null,
          kind: 'responseClock.progress-sent',
          detail: { count, addresses: n },
        });
      return n > 0;
    });
    if (sent) queued += 1;
  }
  return queued;
}

/** One digest to one address of the row, in the letter's language; nothing once the row is gone. */
export async function sendProgressDigestEmail(ctx: AppContext, mailer: Mailer, job: ProgressDigestJob): Promise<void> {
  const row = await findProgressDigest(ctx.db, job.letterId);
  const to = row?.addresses[job.index];
  if (!row || !to) return;
  const letter = await findLetterById(ctx.db, job.letterId);
  const lang = letter.defaultLanguage;
  const t = tFor(lang);
  const title = (letter.translations.find((x) => x.language === lang) ?? letter.translations[0]).title;
  const signed = t('responseClock.progress.signed', {
    count: job.count,
    formatted: formatNumber(job.count, lang),
    title,
  });
  await mailer.send(to, lang, {
    template: 'progress-digest',
    subject: t('responseClock.progress.subject', { title }),
    locals: {
      signed,
      planned: row.plannedOn
        ? t('responseClock.progress.planned', { date: formatDate(new Date(`${row.plannedOn}T00:00:00Z`), lang) })
        : null,
      letterUrl: `${ctx.config.BASE_URL}/letters/${letter.slug}?lang=${lang}`,
    },
  });
  ctx.log.info({ letterId: job.letterId }, 'progress digest sent');
}
