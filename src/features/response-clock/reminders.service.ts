import type { AppContext } from '../../platform/context';
import { recordAudit } from '../../core/audit';
import { findLetterById } from '../../core/letters/letters.service';
import { verifiedCount } from '../../core/letters/counts.service';
import type { Mailer } from '../../platform/mail/mailer';
import { enqueue } from '../../platform/mail/queue';
import { formatDate, formatNumber, tFor } from '../../platform/web/i18n';
import { renewReminderToken } from '../recipients';
import { daysBetween, dayOf } from './clock.service';

export const TASK_RESPONSE_REMINDERS = 'response-reminders';
export const TASK_RESPONSE_REMINDER_EMAIL = 'response-reminder-email';
/** Hourly: a reminder goes within the hour its day begins (UTC), whenever the worker was down. */
export const RESPONSE_REMINDERS_CRONTAB = `17 * * * * ${TASK_RESPONSE_REMINDERS}`;
/** No recipient gets more than one reminder in this many days. */
export const REMINDER_GAP_DAYS = 7;
/** A point more than this many days past is not sent late. */
const STALE_DAYS = 7;

/** A reminder's row, and the time the scheduler saw (tests move it). */
export interface ReminderEmailJob {
  id: string;
  at: string;
}

/**
 * Picks the reminders due at `now` and queues them, in one transaction under a lock (two workers
 * never pick the same twice; the row's unique key holds it besides). For each live link with an
 * address, of a delivered letter whose owners turned reminders on and that no published answer
 * has stopped, and that has not answered through its link itself: the latest point whose day
 * has come (and is less than a week past). A link reminded in the week before gets that point
 * marked skipped instead. Answers the ids queued.
 */
export async function queueDueReminders(ctx: AppContext, now = new Date()): Promise<string[]> {
  const today = dayOf(now);
  return ctx.db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('response-reminders'))`);
    const rows = await tx.query<Array<{ id: string; status: string }>>(
      `WITH live AS (
         SELECT c.letter_id, c.due_on, l.id AS link_id,
                (SELECT max(p::int) FROM unnest(c.reminder_points) p
                  WHERE c.due_on + p::int <= $2::date AND c.due_on + p::int > $2::date - $4::int) AS point
           FROM response_clocks c
           JOIN letters lt ON lt.id = c.letter_id AND lt.delivered_at IS NOT NULL
           JOIN recipient_links l ON l.letter_id = c.letter_id
          WHERE c.reminders AND c.due_on IS NOT NULL
            AND l.email IS NOT NULL AND l.revoked_at IS NULL AND l.expires_at > $1
            AND NOT EXISTS (SELECT 1 FROM letter_responses r WHERE r.letter_id = c.letter_id AND r.status = 'published')
            AND NOT EXISTS (SELECT 1 FROM letter_responses r WHERE r.recipient_link_id = l.id))
       INSERT INTO response_reminders (letter_id, link_id, due_on, point, status, created_at)
       SELECT letter_id, link_id, due_on, point,
              CASE WHEN EXISTS (SELECT 1 FROM response_reminders y
                                 WHERE y.link_id = live.link_id AND y.sent_at > $1::timestamptz - make_interval(days => $3))
                   THEN 'skipped' ELSE 'queued' END,
              $1
         FROM live WHERE point IS NOT NULL
       ON CONFLICT ON CONSTRAINT response_reminders_once DO NOTHING
       RETURNING id, status`,
      [now, today, REMINDER_GAP_DAYS, STALE_DAYS],
    );
    const queued = rows.filter((r) => r.status === 'queued').map((r) => String(r.id));
    for (const id of queued)
      await enqueue(tx, TASK_RESPONSE_REMINDER_EMAIL, { id, at: now.toISOString() } satisfies ReminderEmailJob, {
        jobKey: `response-reminder:${id}`,
        maxAttempts: 5,
      });
    if (rows.length)
      ctx.log.info({ queued: queued.length, skipped: rows.length - queued.length }, 'response reminders picked');
    return queued;
  });
}

interface Claimed {
  letterId: string;
  linkId: string;
  dueOn: string;
  point: number;
  name: string;
  email: string;
  expiresAt: Date;
  token: string;
}

/**
 * Sends one reminder at most once. The row is claimed (`sending`, with its time) in a transaction
 * that holds the link's row and checks that it is still wanted (reminders on for that due day, no
 * published answer, none through this link, the link live, no other reminder to it within the
 * week); otherwise it is cancelled. The mail goes after the claim commits: a crash after it leaves
 * the row claimed and never sent again; a refused send returns it to the queue for the retry.
 * The audit entry lands with the row marked sent.
 */
export async function sendReminderEmail(ctx: AppContext, mailer: Mailer, job: ReminderEmailJob): Promise<void> {
  const at = new Date(job.at);
  const claimed = await ctx.db.transaction(async (tx): Promise<Claimed | null> => {
    const [r] = await tx.query<
      Array<{ letter_id: string; link_id: string; due_on: string; point: number; status: string }>
    >(
      `SELECT letter_id, link_id, to_char(due_on, 'YYYY-MM-DD') AS due_on, point, status FROM response_reminders WHERE id = $1 FOR UPDATE`,
      [job.id],
    );
    if (!r || r.status !== 'queued') return null;
    const [link] = await tx.query<Array<{ name: string; email: string; expires_at: Date; wanted: boolean }>>(
      `SELECT l.name, l.email, l.expires_at,
              (l.email IS NOT NULL AND l.revoked_at IS NULL AND l.expires_at > $2
               AND EXISTS (SELECT 1 FROM response_clocks c WHERE c.letter_id = l.letter_id AND c.reminders AND c.due_on = $3::date)
               AND EXISTS (SELECT 1 FROM letters lt WHERE lt.id = l.letter_id AND lt.delivered_at IS NOT NULL)
               AND NOT EXISTS (SELECT 1 FROM letter_responses x WHERE x.letter_id = l.letter_id AND x.status = 'published')
               AND NOT EXISTS (SELECT 1 FROM letter_responses x WHERE x.recipient_link_id = l.id)
               AND NOT EXISTS (SELECT 1 FROM response_reminders y WHERE y.link_id = l.id AND y.id <> $4
                                AND y.sent_at > $2::timestamptz - make_interval(days => $5))) AS wanted
         FROM recipient_links l WHERE l.id = $1 FOR UPDATE OF l`,
      [r.link_id, at, r.due_on, job.id, REMINDER_GAP_DAYS],
    );
    if (!link?.wanted) {
      await tx.query(`UPDATE response_reminders SET status = 'cancelled' WHERE id = $1`, [job.id]);
      return null;
    }
    const token = await renewReminderToken(tx, r.link_id);
    await tx.query(`UPDATE response_reminders SET status = 'sending', sent_at = $2 WHERE id = $1`, [job.id, at]);
    return {
      letterId: r.letter_id,
      linkId: r.link_id,
      dueOn: r.due_on,
      point: Number(r.point),
      name: link.name,
      email: link.email,
      expiresAt: link.expires_at,
      token,
    };
  });
  if (!claimed) return;
  try {
    await mailReminder(ctx, mailer, claimed, at);
  } catch (err) {
    // Not sent: back to the queue, for the job's retry.
    await ctx.db.query(
      `UPDATE response_reminders SET status = 'queued', sent_at = NULL WHERE id = $1 AND status = 'sending'`,
      [job.id],
    );
    throw err;
  }
  await ctx.db.transaction(async (tx) => {
    await tx.query(`UPDATE response_reminders SET status = 'sent' WHERE id = $1`, [job.id]);
    await recordAudit(tx, {
      letterId: claimed.letterId,
      actor: null,
      kind: 'responseClock.reminder-sent',
      detail: { linkId: claimed.linkId, name: claimed.name, dueOn: claimed.dueOn, point: claimed.point },
    });
  });
  ctx.log.info({ letterId: claimed.letterId, linkId: claimed.linkId, point: claimed.point }, 'response reminder sent');
}

async function mailReminder(ctx: AppContext, mailer: Mailer, c: Claimed, at: Date): Promise<void> {
  const letter = await findLetterById(ctx.db, c.letterId);
  const lang = letter.defaultLanguage;
  const t = tFor(lang);
  const translation = letter.translations.find((x) => x.language === lang) ?? letter.translations[0];
  const count = await verifiedCount(ctx.db, letter.id);
  const left = daysBetween(dayOf(at), c.dueOn);
  const due = formatDate(new Date(`${c.dueOn}T00:00:00Z`), lang);
  // Polite, and once: what was asked, by when, and the way to answer.
  await mailer.send(c.email, lang, {
    template: 'response-reminder',
    subject: t('responseClock.reminder.subject', { title: translation.title }),
    locals: {
      name: c.name,
      intro: t('responseClock.reminder.intro', {
        title: translation.title,
        date: formatDate(letter.deliveredAt ?? at, lang),
        count,
        formatted: formatNumber(count, lang),
      }),
      when:
        left > 0
          ? t('responseClock.reminder.before', { date: due, count: left })
          : left === 0
            ? t('responseClock.reminder.today', { date: due })
            : t('responseClock.reminder.after', { date: due, count: -left }),
      linkUrl: `${ctx.config.BASE_URL}/r/${c.token}`,
      expiresOn: formatDate(c.expiresAt, lang),
    },
  });
}
