import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../platform/web/languages';
import { RateLimited } from '../../platform/web/errors';
import { limitKeyForIp } from '../../platform/web/network';
import type { LimitRule } from '../../platform/web/rate-limits';
import { enqueue } from '../../platform/mail/queue';
import { hashToken } from '../../core/tokens';
import { recordAudit } from '../../core/audit';
import { normaliseOrganiserEmail } from '../../core/access';
import { instanceSettings } from '../admin';

export const TASK_COSPONSOR_CONFIRM_EMAIL = 'cosponsor-confirm-email';
export const TASK_COSPONSOR_INVITE_EMAIL = 'cosponsor-invite-email';

/** A confirmation link works for a week; an unconfirmed offer of support is erased after it. */
export const COSPONSOR_CONFIRM_DAYS = 7;
/** Supporters' names and addresses are kept at most this long, whatever becomes of the letter. */
export const COSPONSOR_KEEP_DAYS = 180;

/**
 * The support form is a stranger's request that mails an address: a few an hour per network
 * (the /64 for IPv6), and per address, as every request that sends a link is limited.
 */
export const COSPONSOR_LIMITS: { perNetwork: LimitRule; perAddress: LimitRule } = {
  perNetwork: { name: 'cosponsor-ip', prefix: 'cosponsor-ip', points: 10, seconds: 3600 },
  perAddress: { name: 'cosponsor-email', prefix: 'cosponsor-email', points: 3, seconds: 3600 },
};

/** Review states in which a letter still gathers support: being written, or waiting for it. */
const GATHERING = `('draft', 'awaiting_cosponsors')`;

/**
 * The letter's private link for supporters: derived from the letter's id with the site's secret,
 * so its owners can see it again at any time and nothing of it but a hash is stored (the hash is
 * how a request finds the letter).
 */
export function cosponsorToken(secret: string, letterId: string): string {
  return crypto.createHmac('sha256', secret).update(`cosponsor-link:${letterId}`).digest('base64url');
}

export async function cosponsorLinkPath(ctx: AppContext, letterId: string): Promise<string> {
  const token = cosponsorToken(ctx.config.SESSION_SECRET, letterId);
  await ctx.db.query(
    `INSERT INTO cosponsor_links (letter_id, token_hash) VALUES ($1, $2) ON CONFLICT (letter_id) DO NOTHING`,
    [letterId, hashToken(token)],
  );
  return `/cosponsor/${token}`;
}

/** The letter a supporter's link names, if it still gathers support; null otherwise. */
export async function letterOfLink(
  db: DataSource,
  token: string,
): Promise<{ letterId: string; gathering: boolean } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const [row] = await db.query<Array<{ letter_id: string; gathering: boolean }>>(
    `SELECT k.letter_id, l.review_state IN ${GATHERING} AS gathering
       FROM cosponsor_links k JOIN letters l ON l.id = k.letter_id WHERE k.token_hash = $1`,
    [hashToken(token)],
  );
  return row ? { letterId: row.letter_id, gathering: row.gathering } : null;
}

/** How far a letter is: confirmed supporters who count (organisers never do), those not yet confirmed, and how many it needs. */
export async function cosponsorProgress(
  db: DataSource,
  letterId: string,
): Promise<{ confirmed: number; pending: number; required: number; reviewState: string }> {
  const [{ cosponsorsRequired }, [row]] = await Promise.all([
    instanceSettings(db),
    db.query<Array<{ confirmed: number; pending: string; review_state: string }>>(
      `SELECT public.confirmed_cosponsors(l.id) AS confirmed, l.review_state,
              (SELECT count(*) FROM letter_cosponsors c WHERE c.letter_id = l.id AND c.status = 'pending') AS pending
         FROM letters l WHERE l.id = $1`,
      [letterId],
    ),
  ]);
  return {
    confirmed: row.confirmed,
    pending: Number(row.pending),
    required: cosponsorsRequired,
    reviewState: row.review_state,
  };
}

export interface SupportInput {
  fullName: string;
  email: string;
  wantsToSign: boolean;
}

/**
 * A supporter's offer: counted per network and per address, then written with its email job in
 * one transaction. The answer is the same whatever the address: an address of one of the letter's
 * organisers is ignored (the author cannot co-sponsor their own letter), and an address that
 * already confirmed is left as it is. Each new offer gets a new link (the worker makes it).
 */
export async function offerSupport(
  ctx: AppContext,
  letterId: string,
  input: SupportInput,
  meta: { ip: string; language: Language },
): Promise<void> {
  const secret = ctx.config.SESSION_SECRET;
  const normalised = normaliseOrganiserEmail(input.email);
  const network = await ctx.limits.consume(COSPONSOR_LIMITS.perNetwork, limitKeyForIp(secret, meta.ip));
  if (!network.ok) throw new RateLimited(network.retryAfterSeconds);
  const addressKey = crypto.createHmac('sha256', secret).update(`cosponsor-address:${normalised}`).digest('hex');
  const address = await ctx.limits.consume(COSPONSOR_LIMITS.perAddress, addressKey);
  if (!address.ok) throw new RateLimited(address.retryAfterSeconds);
  await ctx.db.transaction(async (tx) => {
    const rows = await tx.query<Array<{ id: string }>>(
      `INSERT INTO letter_cosponsors (letter_id, full_name, email, email_normalised, language, wants_to_sign)
       SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::boolean
        WHERE NOT EXISTS (
          SELECT 1 FROM letter_organisers lo JOIN organisers o ON o.id = lo.organiser_id
           WHERE lo.letter_id = $1::uuid AND lower(o.email) = $4::text)
       ON CONFLICT (letter_id, email_normalised) DO UPDATE
          SET full_name = EXCLUDED.full_name, email = EXCLUDED.email, language = EXCLUDED.language,
              wants_to_sign = EXCLUDED.wants_to_sign, created_at = now()
        WHERE letter_cosponsors.status = 'pending'
       RETURNING id`,
      [letterId, input.fullName, input.email, normalised, meta.language, input.wantsToSign],
    );
    if (rows.length) await enqueue(tx, TASK_COSPONSOR_CONFIRM_EMAIL, { cosponsorId: rows[0].id });
  });
}

/** What the confirmation page shows before the supporter presses the button (a GET changes nothing). */
export async function pendingSupport(
  db: DataSource,
  token: string,
): Promise<{ letterId: string; fullName: string; wantsToSign: boolean } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const [row] = await db.query<Array<{ letter_id: string; full_name: string; wants_to_sign: boolean }>>(
    `SELECT letter_id, full_name, wants_to_sign FROM letter_cosponsors
      WHERE confirm_token_hash = $1 AND status = 'pending'
        AND created_at > now() - make_interval(days => $2)`,
    [hashToken(token), COSPONSOR_CONFIRM_DAYS],
  );
  return row ? { letterId: row.letter_id, fullName: row.full_name, wantsToSign: row.wants_to_sign } : null;
}

/**
 * The supporter presses "Confirm": in one transaction, with the letter's row locked so that two
 * supporters confirming at once are counted one after the other, the support is confirmed and a
 * letter waiting for supporters is submitted once it has enough (the gate's trigger checks the
 * count again). Returns the letter, or null for an unknown, used or expired link.
 */
export async function confirmSupport(
  ctx: AppContext,
  token: string,
): Promise<{ letterId: string; submitted: boolean } | null> {
  const support = await pendingSupport(ctx.db, token);
  if (!support) return null;
  return ctx.db.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM letters WHERE id = $1 FOR UPDATE`, [support.letterId]);
    // TypeORM answers an UPDATE with [rows, affected].
    const [confirmed] = await tx.query<[Array<{ id: string }>, number]>(
      `UPDATE letter_cosponsors SET status = 'confirmed', confirmed_at = now(), confirm_token_hash = NULL
        WHERE confirm_token_hash = $1 AND status = 'pending' RETURNING id`,
      [hashToken(token)],
    );
    if (!confirmed.length) return null;
    await recordAudit(tx, { letterId: support.letterId, actor: null, kind: 'cosponsors.support-confirmed' });
    const [submitted] = await tx.query<[Array<{ review_state: string }>, number]>(
      `UPDATE letters SET review_state = 'submitted', review_submitted_at = now()
        WHERE id = $1 AND review_state = 'awaiting_cosponsors' RETURNING review_state`,
      [support.letterId],
    );
    const passed = submitted[0]?.review_state === 'submitted';
    if (passed) await recordAudit(tx, { letterId: support.letterId, actor: null, kind: 'cosponsors.submitted' });
    return { letterId: support.letterId, submitted: passed };
  });
}

/**
 * Supporters who asked to sign, of letters now published and open, are asked to sign (an email
 * with the letter's link); each once. A batch at a time, each job written with its mark.
 */
export async function inviteSupportersToSign(ctx: AppContext, batch = 100): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const [rows] = await tx.query<[Array<{ id: string }>, number]>(
      `UPDATE letter_cosponsors c SET invited_at = now()
        WHERE c.id IN (
          SELECT c2.id FROM letter_cosponsors c2 JOIN letters l ON l.id = c2.letter_id
           WHERE c2.status = 'confirmed' AND c2.wants_to_sign AND c2.invited_at IS NULL
             AND l.status = 'open' AND l.review_state IN ('none', 'approved')
             AND (l.closes_at IS NULL OR l.closes_at > now())
           LIMIT $1 FOR UPDATE OF c2 SKIP LOCKED)
       RETURNING c.id`,
      [batch],
    );
    for (const r of rows) await enqueue(tx, TASK_COSPONSOR_INVITE_EMAIL, { cosponsorId: r.id });
    return rows.length;
  });
}

/**
 * Retention: a supporter's name and address are erased once they are needed no more. An offer
 * never confirmed, after COSPONSOR_CONFIRM_DAYS; a supporter of a letter now published, at once
 * unless they asked to be invited to sign and the invitation is not sent yet; any supporter after
 * COSPONSOR_KEEP_DAYS (a letter that never got through).
 */
export async function eraseSupporters(db: DataSource): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(
    `DELETE FROM letter_cosponsors c USING letters l
      WHERE l.id = c.letter_id AND (
        (c.status = 'pending' AND c.created_at < now() - make_interval(days => $1))
        OR (l.review_state IN ('none', 'approved') AND l.status <> 'draft'
            AND (NOT c.wants_to_sign OR c.invited_at < now() - interval '1 day'
                 OR l.status = 'closed' OR (l.closes_at IS NOT NULL AND l.closes_at <= now())))
        OR c.created_at < now() - make_interval(days => $2))`,
    [COSPONSOR_CONFIRM_DAYS, COSPONSOR_KEEP_DAYS],
  );
  return deleted;
}

/** The right to erasure: every offer of support of this address. */
export async function eraseSupporter(db: DataSource | EntityManager, email: string): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(`DELETE FROM letter_cosponsors WHERE email_normalised = $1`, [
    normaliseOrganiserEmail(email),
  ]);
  return deleted;
}
