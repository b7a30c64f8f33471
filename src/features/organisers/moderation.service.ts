import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import { recordCountChange } from '../../core/letters/counts.service';
import { Signature, type InvalidationCategory } from '../signatures';
import { isCounted } from '../signatures';
import { NotFound } from '../../platform/web/errors';
import type { EntityManager } from 'typeorm';

/**
 * What organisers do to signatures on their own letters. Each action locks the row and keeps the
 * public count exact: a counted signature that stops counting records -1, a released one +1.
 * Signers' data never goes into a log line, nor into the audit trail; ids do. Each action records
 * who did it (`actor`) in the letter's audit trail, in the transaction that makes the change.
 */
async function lockSignature(tx: EntityManager, letterId: string, signatureId: string): Promise<Signature> {
  if (!/^[0-9a-f-]{36}$/i.test(signatureId)) throw new NotFound();
  const sig = await tx
    .getRepository(Signature)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.id = :id AND s.letter_id = :letterId', { id: signatureId, letterId })
    .getOne();
  if (!sig) throw new NotFound();
  return sig;
}

/** Takes a signatory off the public list (or back on); the count does not change. */
export async function setSignatureHidden(
  ctx: AppContext,
  actor: AuditActor,
  letterId: string,
  signatureId: string,
  hidden: boolean,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const sig = await lockSignature(tx, letterId, signatureId);
    await tx.update(Signature, { id: sig.id }, { hidden });
    await recordAudit(tx, {
      letterId,
      actor,
      kind: hidden ? 'organisers.signature-hidden' : 'organisers.signature-unhidden',
      detail: { signatureId: sig.id },
    });
  });
  ctx.log.info({ letterId, signatureId, hidden }, 'signature visibility changed');
}

/**
 * Invalidates one signature with a reason and its category (the integrity report counts the
 * categories in public; the reason stays with the organisers); if it was counted, the count drops
 * by exactly one. A bounced signature is left as it is: it never counted and never will.
 * `keepName`: the name stays in the moderation record once retention erases the address;
 * otherwise it goes too (see privacy/retention.service).
 */
export async function invalidateSignature(
  ctx: AppContext,
  actor: AuditActor,
  letterId: string,
  signatureId: string,
  reason: string,
  category: InvalidationCategory,
  keepName = false,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const sig = await lockSignature(tx, letterId, signatureId);
    if (sig.status === 'invalidated' || sig.status === 'bounced') return;
    if (isCounted(sig)) await recordCountChange(tx, letterId, sig.country, -1);
    await tx.update(
      Signature,
      { id: sig.id },
      {
        status: 'invalidated',
        invalidatedReason: reason,
        invalidatedCategory: category,
        invalidatedAt: () => 'now()',
        keepNameOnRecord: keepName,
      },
    );
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'organisers.signature-invalidated',
      detail: { signatureId: sig.id, reason, category, keepName },
    });
  });
  ctx.log.info({ letterId, signatureId }, 'signature invalidated');
}

/**
 * Invalidates every pending or confirmed signature from one email domain at once (a spam run).
 * One statement locks and updates the rows; the count drops per country by the number of those
 * rows that were counted. Returns how many signatures were invalidated.
 */
export async function invalidateDomain(
  ctx: AppContext,
  actor: AuditActor,
  letterId: string,
  domain: string,
  reason: string,
  category: InvalidationCategory,
  keepName = false,
): Promise<number> {
  const total = await ctx.db.transaction(async (tx) => {
    const rows: Array<{ country: string; counted: string; total: string }> = await tx.query(
      `WITH target AS (
         SELECT id, country, status, held_reason FROM signatures
          WHERE letter_id = $1 AND status IN ('pending', 'confirmed')
            AND (split_part(email_normalised, '@', 2) = $2 OR lower(split_part(email, '@', 2)) = $2)
          FOR UPDATE
       ), changed AS (
         UPDATE signatures s SET status = 'invalidated', invalidated_reason = $3, invalidated_category = $5, invalidated_at = now(),
                keep_name_on_record = $4
           FROM target WHERE s.id = target.id
         RETURNING target.country, target.status AS old_status, target.held_reason AS old_held
       )
       SELECT country,
              count(*) FILTER (WHERE old_status = 'confirmed' AND old_held IS NULL) AS counted,
              count(*) AS total
         FROM changed GROUP BY country`,
      [letterId, domain, reason, keepName, category],
    );
    for (const r of rows) {
      const counted = Number(r.counted);
      // One delta row per country carrying the whole change, not one row per signature.
      if (counted) {
        await recordCountChange(tx, letterId, r.country, -counted);
      }
    }
    const invalidated = rows.reduce((n, r) => n + Number(r.total), 0);
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'organisers.domain-invalidated',
      detail: { domain, reason, category, keepName, count: invalidated },
    });
    return invalidated;
  });
  ctx.log.info({ letterId, invalidated: total }, 'signatures of a domain invalidated');
  return total;
}

/** Releases a signature held by abuse control: it counts from now on if it is confirmed. */
export async function releaseHeldSignature(
  ctx: AppContext,
  actor: AuditActor,
  letterId: string,
  signatureId: string,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const sig = await lockSignature(tx, letterId, signatureId);
    if (!sig.heldReason || sig.status === 'invalidated') return;
    await tx.update(Signature, { id: sig.id }, { heldReason: null, releasedAt: () => 'now()' });
    if (sig.status === 'confirmed') await recordCountChange(tx, letterId, sig.country, 1);
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'organisers.signature-released',
      detail: { signatureId: sig.id, heldReason: sig.heldReason },
    });
  });
  ctx.log.info({ letterId, signatureId }, 'held signature released');
}
