import type { DataSource, EntityManager } from 'typeorm';

/** How long an update's record keeps whom it went to (for putting an unsubscribe down to it). */
export const DELIVERY_SIGNER_DAYS = 90;
import type { Language } from '../../core/letters/letter.entity';
import { remainingThisWeek, UPDATES_PER_WEEK } from './update-limit';

/** What became of one update: emails accepted, refused for good, and signers who unsubscribed after it. */
export interface UpdateStats {
  sent: number;
  bounced: number;
  unsubscribed: number;
}

/**
 * Records that an update went to a signer (or bounced). False when it was recorded already:
 * the email job of a retry then sends nothing.
 */
export async function recordDelivery(
  db: DataSource | EntityManager,
  updateId: string,
  signatureId: string,
  language: Language,
  outcome: 'sent' | 'bounced',
): Promise<boolean> {
  const rows = await db.query<Array<{ id: string }>>(
    `INSERT INTO letter_update_deliveries (update_id, signature_id, language, outcome) VALUES ($1, $2, $3, $4)
     ON CONFLICT (update_id, signature_id) DO NOTHING RETURNING id`,
    [updateId, signatureId, language, outcome],
  );
  return rows.length > 0;
}

/** Whether this update was already sent to (or bounced for) this signer. */
export async function alreadyDelivered(db: DataSource | EntityManager, updateId: string, signatureId: string) {
  const rows = await db.query<unknown[]>(
    `SELECT 1 FROM letter_update_deliveries WHERE update_id = $1 AND signature_id = $2`,
    [updateId, signatureId],
  );
  return rows.length > 0;
}

/** The figures of these updates of a letter (the ones a page lists), by update id. */
export async function updateStats(
  db: DataSource | EntityManager,
  letterId: string,
  updateIds: string[],
): Promise<Map<string, UpdateStats>> {
  if (!updateIds.length) return new Map();
  const rows = await db.query<Array<{ update_id: string; sent: string; bounced: string; unsubscribed: string }>>(
    `SELECT d.update_id,
            count(*) FILTER (WHERE d.outcome = 'sent') AS sent,
            count(*) FILTER (WHERE d.outcome = 'bounced') AS bounced,
            count(*) FILTER (WHERE d.unsubscribed_at IS NOT NULL) AS unsubscribed
       FROM letter_update_deliveries d JOIN letter_updates u ON u.id = d.update_id
      WHERE u.letter_id = $1 AND d.update_id = ANY($2::uuid[])
      GROUP BY d.update_id`,
    [letterId, updateIds],
  );
  return new Map(
    rows.map((r) => [
      r.update_id,
      { sent: Number(r.sent), bounced: Number(r.bounced), unsubscribed: Number(r.unsubscribed) },
    ]),
  );
}

/**
 * Retention: `days` after an update went to a signer, its record forgets whom it went to. The
 * figures stay; an unsubscribe after that is no longer put down to an update.
 */
export async function forgetDeliverySigners(db: DataSource, days = DELIVERY_SIGNER_DAYS): Promise<number> {
  const [, changed] = await db.query<[unknown, number]>(
    `UPDATE letter_update_deliveries SET signature_id = NULL
      WHERE signature_id IS NOT NULL AND at < now() - make_interval(secs => $1 * 86400)`,
    [days],
  );
  return changed;
}

/** What the letter's dashboard shows its owners of the updates: the latest one and its figures, and what is left this week. */
export interface UpdatesPanel {
  latest: { subject: string; sendAt: Date; scheduled: boolean; stats: UpdateStats } | null;
  remaining: number;
  limit: number;
}

export async function updatesPanel(db: DataSource | EntityManager, letterId: string): Promise<UpdatesPanel> {
  const [latest] = await db.query<Array<{ id: string; subject: string; send_at: Date; scheduled: boolean }>>(
    `SELECT id, subject, send_at, send_at > now() AS scheduled FROM letter_updates
      WHERE letter_id = $1 AND cancelled_at IS NULL ORDER BY send_at DESC, created_at DESC LIMIT 1`,
    [letterId],
  );
  const remaining = await remainingThisWeek(db, letterId);
  if (!latest) return { latest: null, remaining, limit: UPDATES_PER_WEEK };
  const [s] = await db.query<Array<{ sent: string; bounced: string; unsubscribed: string }>>(
    `SELECT count(*) FILTER (WHERE outcome = 'sent') AS sent, count(*) FILTER (WHERE outcome = 'bounced') AS bounced,
            count(*) FILTER (WHERE unsubscribed_at IS NOT NULL) AS unsubscribed
       FROM letter_update_deliveries WHERE update_id = $1`,
    [latest.id],
  );
  return {
    latest: {
      subject: latest.subject,
      sendAt: latest.send_at,
      scheduled: latest.scheduled,
      stats: {
        sent: Number(s?.sent ?? 0),
        bounced: Number(s?.bounced ?? 0),
        unsubscribed: Number(s?.unsubscribed ?? 0),
      },
    },
    remaining,
    limit: UPDATES_PER_WEEK,
  };
}
