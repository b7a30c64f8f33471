import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import { enqueueSignatureEmail, type EmailKind } from './signature-email.task';
import { AppError } from '../../platform/web/errors';
import { recordCountChange } from '../../core/letters/counts.service';
import { Signature } from './signature.entity';

/**
 * A keyed hash of the address a signature came from, stored with it for abuse review; nobody can
 * turn it back into an IP. Limits count per network instead (limitKeyForIp).
 */
export function originHash(secret: string, ip: string): string {
  return crypto.createHmac('sha256', secret).update(`origin:${ip}`).digest('hex').slice(0, 32);
}

export function emailKey(secret: string, normalised: string): string {
  return crypto.createHmac('sha256', secret).update(`email:${normalised}`).digest('hex').slice(0, 32);
}

/** "This wasn't me" keeps an address from being emailed about that letter for this long. */
export const NOT_ME_SUPPRESSION_DAYS = 30;

/**
 * The address a "This wasn't me" suppresses, as a keyed hash that includes the letter: the row
 * names nobody, and the same address gives unrelated values on two letters.
 */
export function suppressionKey(secret: string, letterId: string, normalised: string): string {
  return crypto.createHmac('sha256', secret).update(`suppress:${letterId}:${normalised}`).digest('hex').slice(0, 32);
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
export function lockSignatureByEmail(
  tx: EntityManager,
  letterId: string,
  normalised: string,
): Promise<Signature | null> {
  return tx
    .getRepository(Signature)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.letter_id = :l AND s.email_normalised = :e', { l: letterId, e: normalised })
    .getOne();
}

export type ThrottledKind = Exclude<EmailKind, 'reminder'>;

/** Each kind of email has its own resend throttle and its own column. */
export const SENT_AT = {
  confirm: 'lastEmailedAt',
  'already-signed': 'alreadySignedEmailedAt',
  manage: 'manageEmailedAt',
} as const satisfies Record<ThrottledKind, keyof Signature>;

/** A signature by id, locked until the transaction ends. */
export function lockSignatureById(tx: EntityManager, id: string): Promise<Signature | null> {
  return tx
    .getRepository(Signature)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.id = :id', { id })
    .getOne();
}

/**
 * Deletes a signature with its tokens (ON DELETE CASCADE); one in the public count leaves it in the
 * same transaction. Whether it was counted.
 */
export async function eraseSignature(tx: EntityManager, sig: Signature): Promise<boolean> {
  const counted = isCounted(sig);
  if (counted) await recordCountChange(tx, sig.letterId, sig.country, -1);
  await tx.delete(Signature, { id: sig.id });
  return counted;
}

export function throttled(sig: Signature, kind: ThrottledKind, minutes: number): boolean {
  const last = sig[SENT_AT[kind]];
  return !!last && Date.now() - last.getTime() < minutes * 60_000;
}

/** Queues the email unless one of its kind went out within the throttle; whether it was queued. */
export async function queueEmail(
  ctx: AppContext,
  tx: EntityManager,
  sig: Signature,
  kind: ThrottledKind,
): Promise<boolean> {
  if (throttled(sig, kind, ctx.config.RESEND_THROTTLE_MINUTES)) return false;
  await enqueueSignatureEmail(tx, { signatureId: sig.id, kind });
  await tx.update(Signature, { id: sig.id }, { [SENT_AT[kind]]: () => 'now()' });
  return true;
}
