import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import { publicStatus, type Language, type Letter } from '../letters/letter.entity';
import { enqueueSignatureEmail, type EmailKind } from '../mail/queue';
import { holdReason } from '../abuse/abuse.service';
import { AppError, RateLimited } from '../web/errors';
import { recordCountChange } from './counts.service';
import { normaliseEmail } from './email-address';
import type { SignForm } from './sign-form.schema';
import { Signature } from './signature.entity';
import { findTokenForUpdate, isExpired } from './tokens';

/** A keyed hash of the network origin: rate limits work, nobody can turn it back into an IP. */
export function originHash(secret: string, ip: string): string {
  return crypto.createHmac('sha256', secret).update(`origin:${ip}`).digest('hex').slice(0, 32);
}

function emailKey(secret: string, normalised: string): string {
  return crypto.createHmac('sha256', secret).update(`email:${normalised}`).digest('hex').slice(0, 32);
}

export class LetterNotOpen extends AppError {
  constructor() {
    super(409, 'letter_closed', 'errors.letterClosed');
  }
}

/** Whether a signature is in the public count: confirmed and not held for review. */
export function isCounted(sig: Pick<Signature, 'status' | 'heldReason'>): boolean {
  return sig.status === 'confirmed' && !sig.heldReason;
}

/** The signature an address holds on a letter, locked until the transaction ends. */
function lockSignatureByEmail(tx: EntityManager, letterId: string, normalised: string): Promise<Signature | null> {
  return tx
    .getRepository(Signature)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.letter_id = :l AND s.email_normalised = :e', { l: letterId, e: normalised })
    .getOne();
}

function throttled(sig: Signature, minutes: number): boolean {
  return !!sig.lastEmailedAt && Date.now() - sig.lastEmailedAt.getTime() < minutes * 60_000;
}

async function queueEmail(tx: EntityManager, sig: Signature, kind: EmailKind): Promise<void> {
  await enqueueSignatureEmail(tx, { signatureId: sig.id, kind });
  await tx.update(Signature, { id: sig.id }, { lastEmailedAt: () => 'now()' });
}

/**
 * Signs a letter. Whatever happens (new signature, a repeat, a limit reached, a bot caught by
 * the honeypot) the caller shows the same page, so nobody learns from it whether an address
 * has signed. Only the IP flood limit answers differently (429), and it says nothing of emails.
 */
export async function signLetter(
  ctx: AppContext,
  letter: Letter,
  form: SignForm,
  meta: { ip: string; language: Language },
): Promise<void> {
  if (publicStatus(letter) !== 'open') throw new LetterNotOpen();
  // The hard per-IP limit is the flood limit on every POST (src/abuse/flood.middleware.ts);
  // signing itself has only soft per-IP limits, which hold a signature rather than refuse it.
  const origin = originHash(ctx.config.SESSION_SECRET, meta.ip);
  if (form.website) {
    ctx.log.info({ letterId: letter.id }, 'honeypot filled: submission dropped');
    return;
  }
  const normalised = normaliseEmail(form.email);
  const emailLimit = await ctx.limits.perEmail(emailKey(ctx.config.SESSION_SECRET, normalised));
  if (!emailLimit.ok) {
    ctx.log.info({ letterId: letter.id }, 'per-email signing limit reached: no email sent');
    return;
  }
  const heldReason = await holdReason(ctx, letter.id, { ip: meta.ip, normalisedEmail: normalised });

  await ctx.db.transaction(async (tx) => {
    const inserted = (await tx
      .createQueryBuilder()
      .insert()
      .into(Signature)
      .values({
        letterId: letter.id,
        fullName: form.fullName,
        email: form.email,
        emailNormalised: normalised,
        country: form.country,
        city: form.city,
        organisation: form.organisation,
        signedAs: form.signedAs,
        visibility: form.visibility,
        wantsUpdates: form.wantsUpdates,
        language: meta.language,
        originHash: origin,
        heldReason,
        lastEmailedAt: () => 'now()',
      })
      .orIgnore() // ON CONFLICT DO NOTHING: concurrent duplicates leave exactly one row
      .returning(['id'])
      .execute()) as { raw: Array<{ id: string }> };
    const newId = inserted.raw[0]?.id;
    if (newId) {
      await enqueueSignatureEmail(tx, { signatureId: newId, kind: 'confirm' });
      await enqueueSignatureEmail(
        tx,
        { signatureId: newId, kind: 'reminder' },
        { runAt: new Date(Date.now() + ctx.config.REMINDER_AFTER_HOURS * 3600_000), jobKey: `reminder:${newId}` },
      );
      ctx.log.info({ letterId: letter.id, signatureId: newId, heldReason }, 'signature pending');
      return;
    }
    const existing = await lockSignatureByEmail(tx, letter.id, normalised);
    if (!existing || throttled(existing, ctx.config.RESEND_THROTTLE_MINUTES)) return;
    if (existing.status === 'pending') await queueEmail(tx, existing, 'confirm');
    else if (existing.status === 'confirmed') await queueEmail(tx, existing, 'already-signed');
    ctx.log.info({ letterId: letter.id, signatureId: existing.id, status: existing.status }, 'repeat signature');
  });
}

/** "Manage my signature": a fresh link for whoever owns the address; same answer for anyone. */
export async function requestManageLink(ctx: AppContext, letter: Letter, email: string, ip: string): Promise<void> {
  const ipLimit = await ctx.limits.perIp(originHash(ctx.config.SESSION_SECRET, ip));
  if (!ipLimit.ok) throw new RateLimited(ipLimit.retryAfterSeconds);
  const normalised = normaliseEmail(email);
  const emailLimit = await ctx.limits.perEmail(emailKey(ctx.config.SESSION_SECRET, normalised));
  if (!emailLimit.ok) return;
  await ctx.db.transaction(async (tx) => {
    const sig = await lockSignatureByEmail(tx, letter.id, normalised);
    if (!sig || throttled(sig, ctx.config.RESEND_THROTTLE_MINUTES)) return;
    if (sig.status === 'pending') await queueEmail(tx, sig, 'confirm');
    else if (sig.status === 'confirmed') await queueEmail(tx, sig, 'manage');
  });
}

interface ConfirmedRef {
  letterId: string;
  language: Language;
  signatureId: string;
}
export type ConfirmOutcome =
  | ({ kind: 'confirmed' } & ConfirmedRef)
  | ({ kind: 'already-confirmed' } & ConfirmedRef)
  | { kind: 'expired' }
  | { kind: 'unknown' };

/**
 * Confirms by emailed link. Mail scanners open links before people do, so a second opening of
 * a used link is answered with the same friendly page and never counts twice.
 */
export async function confirmSignature(ctx: AppContext, rawToken: string): Promise<ConfirmOutcome> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'confirm');
    if (!token?.signatureId) return { kind: 'unknown' };
    const sig = await tx
      .getRepository(Signature)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.id = :id', { id: token.signatureId })
      .getOne();
    if (!sig || sig.status === 'invalidated') return { kind: 'unknown' };
    const ref = { letterId: sig.letterId, language: sig.language, signatureId: sig.id };
    if (sig.status === 'confirmed') return { kind: 'already-confirmed', ...ref };
    if (isExpired(token)) return { kind: 'expired' };
    await tx.update(Signature, { id: sig.id }, { status: 'confirmed', confirmedAt: () => 'now()' });
    await tx.query('UPDATE tokens SET used_at = now() WHERE id = $1', [token.id]);
    // A held signature counts only once an organiser releases it.
    if (!sig.heldReason) await recordCountChange(tx, sig.letterId, sig.country, 1);
    ctx.log.info({ letterId: sig.letterId, signatureId: sig.id }, 'signature confirmed');
    return { kind: 'confirmed', ...ref };
  });
}

export type WithdrawCheck = { valid: true; letterId: string; language: Language } | { valid: false };

export async function checkWithdrawToken(ctx: AppContext, rawToken: string): Promise<WithdrawCheck> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'withdraw');
    if (!token?.signatureId || isExpired(token)) return { valid: false };
    const sig = await tx.findOneBy(Signature, { id: token.signatureId });
    return sig ? { valid: true, letterId: sig.letterId, language: sig.language } : { valid: false };
  });
}

/**
 * Withdraws: the signature leaves the count and the list, and the row is deleted with its
 * tokens (ON DELETE CASCADE), so nothing of the signer's personal data remains.
 */
export async function withdrawSignature(ctx: AppContext, rawToken: string): Promise<{ done: boolean; letterId?: string }> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'withdraw');
    if (!token?.signatureId || isExpired(token)) return { done: false };
    const sig = await tx
      .getRepository(Signature)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.id = :id', { id: token.signatureId })
      .getOne();
    if (!sig) return { done: false };
    if (isCounted(sig)) await recordCountChange(tx, sig.letterId, sig.country, -1);
    await tx.delete(Signature, { id: sig.id });
    // Jobs still queued for this signature find no row and end quietly.
    ctx.log.info({ letterId: sig.letterId }, 'signature withdrawn and erased');
    return { done: true, letterId: sig.letterId };
  });
}
