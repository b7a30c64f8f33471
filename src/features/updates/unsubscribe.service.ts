import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../core/letters/letter.entity';
import { Organiser } from '../../core/access';
import { Signature } from '../signatures';
import { findTokenForUpdate, isExpired, issueToken } from '../../core/tokens';

/**
 * Unsubscribe links live long: people unsubscribe from mail that is months old, and RFC 8058
 * one-click must keep working for as long as the message sits in a mailbox.
 */
export const UNSUBSCRIBE_TOKEN_TTL_HOURS = 24 * 365 * 2;

/** The same kind of link switches an owner's daily digest off. */
export function issueDigestUnsubscribeToken(tx: EntityManager, organiserId: string): Promise<string> {
  return issueToken(tx, 'unsubscribe', { organiserId }, UNSUBSCRIBE_TOKEN_TTL_HOURS);
}

export type UnsubscribeTarget =
  | { kind: 'updates'; letterId: string; language: Language; subscribed: boolean }
  | { kind: 'digest'; subscribed: boolean };

interface Found {
  target: UnsubscribeTarget;
  tokenId: string;
  signatureId: string | null;
  organiserId: string | null;
}

async function targetOf(tx: EntityManager, raw: string): Promise<Found | null> {
  const token = await findTokenForUpdate(tx, raw, 'unsubscribe');
  if (!token || isExpired(token)) return null;
  if (token.signatureId) {
    const sig = await tx.findOneBy(Signature, { id: token.signatureId });
    if (!sig) return null;
    const target = {
      kind: 'updates' as const,
      letterId: sig.letterId,
      language: sig.language,
      subscribed: sig.wantsUpdates,
    };
    return { tokenId: token.id, signatureId: sig.id, organiserId: null, target };
  }
  if (token.organiserId) {
    const organiser = await tx.findOneBy(Organiser, { id: token.organiserId });
    if (!organiser) return null;
    return {
      tokenId: token.id,
      signatureId: null,
      organiserId: organiser.id,
      target: { kind: 'digest', subscribed: organiser.digestEnabled },
    };
  }
  return null;
}

/** What the link page shows. Changes nothing: mail scanners open links before people do. */
export async function checkUnsubscribeToken(ctx: AppContext, raw: string): Promise<UnsubscribeTarget | null> {
  return ctx.db.transaction(async (tx) => (await targetOf(tx, raw))?.target ?? null);
}

/**
 * Unsubscribes: the signer gets no more updates for this letter, or the owner no more digests.
 * Idempotent: the link may be clicked, and one-click POSTed by the mail client, any number of
 * times; it stays valid so that a repeat shows the same answer instead of an error.
 */
export async function unsubscribe(ctx: AppContext, raw: string): Promise<UnsubscribeTarget | null> {
  return ctx.db.transaction(async (tx) => {
    const found = await targetOf(tx, raw);
    if (!found) return null;
    const { target, signatureId, organiserId } = found;
    await tx.query('UPDATE tokens SET used_at = coalesce(used_at, now()) WHERE id = $1', [found.tokenId]);
    if (signatureId) {
      await tx.update(Signature, { id: signatureId }, { wantsUpdates: false });
      ctx.log.info({ signatureId }, 'signer unsubscribed from updates');
    } else if (organiserId) {
      await tx.update(Organiser, { id: organiserId }, { digestEnabled: false });
      ctx.log.info({ organiserId }, 'owner switched the daily digest off');
    }
    return { ...target, subscribed: false };
  });
}
