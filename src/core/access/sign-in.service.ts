import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context';
import { enqueue } from '../../platform/mail/queue';
import { limitKeyForIp } from '../../platform/web/network';
import { findTokenForUpdate, isExpired, issueToken, mailRequestRules } from '../tokens';
import { RateLimited } from '../../platform/web/errors';
import { normaliseOrganiserEmail } from './organiser.entity';

export const TASK_ORGANISER_SIGN_IN_EMAIL = 'organiser-sign-in-email';
export const SIGN_IN_TOKEN_MINUTES = 15;

export interface SignInEmailJob {
  /** The address as asked for; the worker looks it up (jobs queued before this shape name `organiserId`). */
  email?: string;
  organiserId?: string;
  /** The interface language the request came in; the email speaks it. */
  language: string;
}

/**
 * Asks for a sign-in link. The request does the same work whatever the address: the per-network
 * limit, then one job in the queue. Whether the address belongs to an organiser is the worker's
 * question (sendSignInEmail), so neither the page nor its timing tells who organises. Only the
 * per-network limit answers otherwise (the /64 for IPv6, as the flood limit counts), and it says
 * nothing about addresses. A job key (a keyed hash of the address, never the address) folds
 * repeated requests within a moment into one email.
 */
export async function requestSignIn(
  ctx: AppContext,
  email: string,
  meta: { ip: string; language: string },
): Promise<void> {
  const limit = await ctx.limits.consume(
    mailRequestRules(ctx.config).perNetwork,
    limitKeyForIp(ctx.config.SESSION_SECRET, meta.ip),
  );
  if (!limit.ok) throw new RateLimited(limit.retryAfterSeconds);
  const normalised = normaliseOrganiserEmail(email);
  const key = crypto
    .createHmac('sha256', ctx.config.SESSION_SECRET)
    .update(`sign-in:${normalised}`)
    .digest('hex')
    .slice(0, 32);
  await ctx.db.transaction(async (tx) => {
    // The token is made by the worker when it sends: the queued job never holds a working link.
    const job: SignInEmailJob = { email: normalised, language: meta.language };
    await enqueue(tx, TASK_ORGANISER_SIGN_IN_EMAIL, job, { jobKey: `sign-in:${key}`, maxAttempts: 5 });
  });
  ctx.log.info('sign-in link requested');
}

/** Issues the single-use token for the email (hashed in the database, 15 minutes). */
export async function issueSignInToken(ctx: AppContext, organiserId: string): Promise<string> {
  return ctx.db.transaction((tx) => issueToken(tx, 'sign-in', { organiserId }, SIGN_IN_TOKEN_MINUTES / 60));
}

export type SignInCheck = 'valid' | 'used' | 'expired' | 'unknown';

/** What the link page shows, without using the token (mail scanners open links first). */
export async function checkSignInToken(ctx: AppContext, rawToken: string): Promise<SignInCheck> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'sign-in');
    if (!token?.organiserId) return 'unknown';
    if (token.usedAt) return 'used';
    if (isExpired(token)) return 'expired';
    return 'valid';
  });
}

export type SignInOutcome =
  { kind: 'signed-in'; organiserId: string; firstSignIn: boolean } | { kind: 'used' | 'expired' | 'unknown' };

/**
 * Uses the token: once, before it expires, under a row lock so that two clicks cannot both win.
 * The organiser's other unused sign-in links die with it, in the same transaction: a link left
 * in a mailbox is no way in once its owner has signed in. Links being used at this very moment
 * (locked) are skipped rather than waited for, so two links pressed together cannot deadlock.
 */
export async function consumeSignInToken(ctx: AppContext, rawToken: string): Promise<SignInOutcome> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'sign-in');
    if (!token?.organiserId) return { kind: 'unknown' };
    if (token.usedAt) return { kind: 'used' };
    if (isExpired(token)) return { kind: 'expired' };
    await tx.query(
      `UPDATE tokens SET used_at = now()
       WHERE id = $1 OR id IN (
         SELECT id FROM tokens WHERE organiser_id = $2 AND purpose = 'sign-in' AND used_at IS NULL FOR UPDATE SKIP LOCKED
       )`,
      [token.id, token.organiserId],
    );
    // An address that came through /start is an organiser's for good from its first sign-in.
    const [, confirmed] = await tx.query<[unknown, number]>(
      `UPDATE organisers SET unconfirmed_since = NULL WHERE id = $1 AND unconfirmed_since IS NOT NULL`,
      [token.organiserId],
    );
    ctx.log.info({ organiserId: token.organiserId }, 'organiser signed in');
    return { kind: 'signed-in', organiserId: token.organiserId, firstSignIn: confirmed > 0 };
  });
}
