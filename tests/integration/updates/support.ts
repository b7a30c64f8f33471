import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Language } from '../../../src/letters/letter.entity';
import { recordCountChanges } from '../../../src/letters/counts.service';
import { Signature, type SignatureStatus } from '../../../src/signatures/signature.entity';
import { anEmail } from '../../helpers/factories';

/** A signature made straight in the database, in the state a test needs. */
export async function aSignatureOn(
  db: DataSource,
  letterId: string,
  o: { status?: SignatureStatus; wantsUpdates?: boolean; language?: Language; heldReason?: string | null; confirmedAt?: Date; createdAt?: Date } = {},
): Promise<Signature> {
  const email = anEmail('updates');
  const status = o.status ?? 'confirmed';
  const sig = await db.getRepository(Signature).save({
    letterId,
    fullName: `Signer ${crypto.randomBytes(3).toString('hex')}`,
    email,
    emailNormalised: email,
    country: 'UA',
    visibility: 'private',
    wantsUpdates: o.wantsUpdates ?? true,
    language: o.language ?? 'en',
    status,
    heldReason: o.heldReason ?? null,
    confirmedAt: status === 'confirmed' ? (o.confirmedAt ?? new Date()) : null,
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
  });
  if (status === 'confirmed' && !o.heldReason) {
    await db.transaction((tx) => recordCountChanges(tx, letterId, new Map([['UA', 1]])));
  }
  return sig;
}

/** Waits until the worker has no job left of `task` (optionally only those whose payload.id is `id`). */
export async function drained(db: DataSource, task: string, id?: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = $1 AND ($2::text IS NULL OR j.payload->>'id' = $2)`,
      [task, id ?? null],
    );
    if (Number(row?.n) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`jobs of ${task} still queued after ${timeoutMs} ms`);
}
