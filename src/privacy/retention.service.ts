import type { DataSource } from 'typeorm';
import { recordCountChange } from '../signatures/counts.service';
import { normaliseEmail } from '../signatures/email-address';

/**
 * Signatures never confirmed within `days` are deleted with their tokens (ON DELETE CASCADE).
 * They were never counted, so no count changes. Jobs still queued for them end quietly.
 */
export async function erasePendingSignatures(db: DataSource, days: number): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(
    `DELETE FROM signatures WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1 * 86400)`,
    [days],
  );
  return deleted;
}

/** "This wasn't me" keeps an address from being emailed about a letter for 30 days; then the hash goes too. */
export async function eraseExpiredSuppressions(db: DataSource): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(`DELETE FROM signing_suppressions WHERE expires_at <= now()`);
  return deleted;
}

/**
 * Once a letter is closed and delivered, the signers' addresses have done their work (confirming
 * and, for some, updates). `days` after delivery they are erased with the origin hashes; the
 * name, country and dates stay, because they are the letter's record.
 */
export async function eraseDeliveredContactData(db: DataSource, days: number): Promise<number> {
  const [, updated] = await db.query<[unknown, number]>(
    `UPDATE signatures s
        SET email = NULL, email_normalised = NULL, origin_hash = NULL, wants_updates = false
       FROM letters l
      WHERE s.letter_id = l.id
        AND l.status = 'closed'
        AND l.delivered_at < now() - make_interval(secs => $1 * 86400)
        AND (s.email IS NOT NULL OR s.email_normalised IS NOT NULL OR s.origin_hash IS NOT NULL)`,
    [days],
  );
  return updated;
}

/**
 * The right to erasure: every signature of this address, on every letter, is deleted in one
 * transaction, and the ones in a public count leave it. Matches the address as typed and in its
 * normalised form (so Gmail dots and +tags find the same person).
 */
export async function eraseSigner(db: DataSource, email: string): Promise<{ signatures: number; letters: number }> {
  const typed = email.normalize('NFC').trim().toLowerCase();
  const normalised = normaliseEmail(typed);
  return db.transaction(async (tx) => {
    // TypeORM answers a DELETE with [rows, affected].
    const [removed] = await tx.query<[Array<{ letter_id: string; country: string; status: string; held_reason: string | null }>, number]>(
      `DELETE FROM signatures WHERE email_normalised = $1 OR lower(email) = $2
       RETURNING letter_id, country, status, held_reason`,
      [normalised, typed],
    );
    for (const r of removed) {
      if (r.status === 'confirmed' && !r.held_reason) await recordCountChange(tx, r.letter_id, r.country, -1);
    }
    // Copies of mail in the development mailbox name the address too.
    // (No LIKE: "_" and "%" in an address would match other people's mail.)
    await tx.query(`DELETE FROM dev_mailbox WHERE lower(recipient) = $1 OR right(lower(recipient), length($1) + 2) = '<' || $1 || '>'`, [typed]);
    return { signatures: removed.length, letters: new Set(removed.map((r) => r.letter_id)).size };
  });
}
