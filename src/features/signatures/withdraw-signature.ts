import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import { type Language } from '../../core/letters/letter.entity';
import { markRemoval } from '../../core/letters/counts.service';
import { Signature } from './signature.entity';
import { findTokenForUpdate, isExpired } from '../../core/tokens/tokens';
import { lockSignatureById, eraseSignature } from './signature-rows';

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
export async function withdrawSignature(
  ctx: AppContext,
  rawToken: string,
): Promise<{ done: boolean; letterId?: string }> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'withdraw');
    if (!token?.signatureId || isExpired(token)) return { done: false };
    const sig = await lockSignatureById(tx, token.signatureId);
    if (!sig) return { done: false };
    return withdrawLocked(ctx, tx, sig);
  });
}

/** The withdrawal itself, on a locked signature: counted as a removal, erased, out of the count. */
async function withdrawLocked(
  ctx: AppContext,
  tx: EntityManager,
  sig: Signature,
): Promise<{ done: true; letterId: string }> {
  await markRemoval(tx, 'withdrawn');
  await eraseSignature(tx, sig);
  // Jobs still queued for this signature find no row and end quietly.
  ctx.log.info({ letterId: sig.letterId }, 'signature withdrawn and erased');
  return { done: true, letterId: sig.letterId };
}

/**
 * Withdraws a signature its address's owner chose on the "my signatures" page: the same
 * withdrawal as the emailed link's, for a signature of this (normalised) address that is pending
 * or confirmed. Anything else (another address's, invalidated, already gone) is not done.
 */
export async function withdrawSignatureOfAddress(
  ctx: AppContext,
  signatureId: string,
  emailNormalised: string,
): Promise<{ done: boolean; letterId?: string }> {
  return ctx.db.transaction(async (tx) => {
    const sig = await lockSignatureById(tx, signatureId);
    if (!sig || sig.emailNormalised !== emailNormalised || (sig.status !== 'pending' && sig.status !== 'confirmed'))
      return { done: false };
    return withdrawLocked(ctx, tx, sig);
  });
}
