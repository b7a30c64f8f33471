import type { AppContext } from '../../platform/context';
import { type Letter } from '../../core/letters/letter.entity';
import { mailRequestRules } from '../../core/tokens';
import { limitKeyForIp } from '../../platform/web/network';
import { RateLimited } from '../../platform/web/errors';
import { normaliseEmail } from '../../platform/mail/email-address';
import { emailKey, lockSignatureByEmail, queueEmail } from './signature-rows';

/**
 * "Manage my signature": a fresh link for whoever owns the address; same answer for anyone.
 * Counted per network (the /64 for IPv6), as the flood limit counts: one IPv6 subscriber holds
 * a whole /64 and could otherwise take a fresh address for every request.
 */
export async function requestManageLink(ctx: AppContext, letter: Letter, email: string, ip: string): Promise<void> {
  const rules = mailRequestRules(ctx.config);
  const ipLimit = await ctx.limits.consume(rules.perNetwork, limitKeyForIp(ctx.config.SESSION_SECRET, ip));
  if (!ipLimit.ok) throw new RateLimited(ipLimit.retryAfterSeconds);
  const normalised = normaliseEmail(email);
  const emailLimit = await ctx.limits.consume(rules.perAddress, emailKey(ctx.config.SESSION_SECRET, normalised));
  if (!emailLimit.ok) return;
  await ctx.db.transaction(async (tx) => {
    const sig = await lockSignatureByEmail(tx, letter.id, normalised);
    if (!sig) return;
    if (sig.status === 'pending') await queueEmail(ctx, tx, sig, 'confirm');
    else if (sig.status === 'confirmed') await queueEmail(ctx, tx, sig, 'manage');
  });
}
