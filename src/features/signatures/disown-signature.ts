import type { AppContext } from '../../platform/context';
import { markRemoval } from '../../core/letters/counts.service';
import { findTokenForUpdate, isExpired, isWellFormedToken } from '../../core/tokens/tokens';
import { NOT_ME_SUPPRESSION_DAYS, suppressionKey, lockSignatureById, eraseSignature } from './signature-rows';

export type DisownOutcome =
  { kind: 'deleted'; letterId: string; wasCounted: boolean } | { kind: 'expired' } | { kind: 'unknown' };

/**
 * "This wasn't me", pressed on a confirmation page: someone signed with this address. The
 * signature is deleted with its tokens (ON DELETE CASCADE), so nothing is counted or published,
 * and the address is not emailed about this letter again for 30 days (kept only as a keyed hash).
 *
 * On a signature already confirmed (the page was open in one tab while another confirmed) it is
 * the withdrawal: whoever holds the mailbox says the signature is not theirs, and the latest word
 * wins. The signature leaves the count and the list.
 */
export async function disownSignature(ctx: AppContext, rawToken: string): Promise<DisownOutcome> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'confirm');
    if (!token?.signatureId) return { kind: 'unknown' };
    const sig = await lockSignatureById(tx, token.signatureId);
    if (!sig || sig.status === 'invalidated' || sig.status === 'bounced') return { kind: 'unknown' };
    if (sig.status === 'pending' && isExpired(token)) return { kind: 'expired' };
    await markRemoval(tx, 'disowned');
    const wasCounted = await eraseSignature(tx, sig);
    if (sig.emailNormalised) {
      await tx.query(
        `INSERT INTO signing_suppressions (letter_id, email_hash, expires_at)
         VALUES ($1, $2, now() + make_interval(days => $3))
         ON CONFLICT (letter_id, email_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        [
          sig.letterId,
          suppressionKey(ctx.config.SESSION_SECRET, sig.letterId, sig.emailNormalised),
          NOT_ME_SUPPRESSION_DAYS,
        ],
      );
    }
    // Jobs still queued for this signature (the reminder) find no row and end quietly.
    ctx.log.info({ letterId: sig.letterId, wasCounted }, 'signature disowned from its confirmation page and erased');
    return { kind: 'deleted', letterId: sig.letterId, wasCounted };
  });
}
