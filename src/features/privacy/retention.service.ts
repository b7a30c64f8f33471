import type { DataSource } from 'typeorm';
import { sweepStagedUploads } from '../../platform/db/large-objects';
import { markRemoval, recordCountChange } from '../../core/letters/counts.service';
import { normaliseEmail } from '../../platform/mail/email-address';
import { forgetAddress } from '../my-signatures';
import { eraseReportDetails } from '../reports';
import { forgetDeliverySigners } from '../updates';
import { eraseSupporter, eraseSupporters } from '../cosponsors';
import { deleteAuditDetails } from '../../core/audit';

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

/**
 * A signature whose confirmation email bounced can never be confirmed; `days` after the bounce it
 * is deleted with its address, as an unconfirmed one is. The integrity report keeps counting it
 * as bounced (its counters are kept by the database, not by the row).
 */
export async function eraseBouncedSignatures(db: DataSource, days: number): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(
    `DELETE FROM signatures WHERE status = 'bounced' AND bounced_at < now() - make_interval(secs => $1 * 86400)`,
    [days],
  );
  return deleted;
}

/** "This wasn't me" keeps an address from being emailed about a letter for 30 days; then the hash goes too. */
export async function eraseExpiredSuppressions(db: DataSource): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(`DELETE FROM signing_suppressions WHERE expires_at <= now()`);
  return deleted;
}
/** What an invalidated signature's name becomes when the organiser did not keep it: neutral in every language. */
export const ERASED_NAME = '—';

/** Paper-import previews never imported are deleted after this many hours. */
export const PAPER_PREVIEW_HOURS = 24;

/** "Closed" as the public page says it (publicStatus): closed, or open with its deadline passed. */
const LETTER_CLOSED = `(l.status = 'closed' OR (l.status = 'open' AND l.closes_at <= now()))`;

/**
 * Once a letter is closed and delivered, the signers' addresses have done their work (confirming
 * and, for some, updates). `days` after the delivery was recorded here (not the date typed for
 * it) they are erased with the origin hashes; the name, country and dates stay, because they are
 * the letter's record.
 */
export async function eraseDeliveredContactData(db: DataSource, days: number): Promise<number> {
  const [, updated] = await db.query<[unknown, number]>(
    `UPDATE signatures s
        SET email = NULL, email_normalised = NULL, origin_hash = NULL, wants_updates = false,
            -- A comment nobody decided on by then never will be: it goes too.
            comment = CASE WHEN s.comment_status = 'pending' THEN NULL ELSE s.comment END,
            comment_status = CASE WHEN s.comment_status = 'pending' THEN NULL ELSE s.comment_status END
       FROM letters l
      WHERE s.letter_id = l.id
        AND ${LETTER_CLOSED}
        AND l.delivery_recorded_at < now() - make_interval(secs => $1 * 86400)
        AND (s.email IS NOT NULL OR s.email_normalised IS NOT NULL OR s.origin_hash IS NOT NULL OR s.comment_status = 'pending')`,
    [days],
  );
  return updated;
}

/**
 * An invalidated signature is kept as the moderation record, but its address and origin hash go
 * `days` after the invalidation, as a pending signature's would. Its name (with city and
 * organisation) goes too, replaced by a neutral placeholder, unless the organiser chose to keep
 * it. Returns how many signatures were erased, and of those how many lost their name.
 */
export async function eraseInvalidatedContactData(
  db: DataSource,
  days: number,
): Promise<{ signatures: number; names: number }> {
  const [row] = await db.query<Array<{ signatures: string; names: string }>>(
    `WITH target AS (
       SELECT id, NOT keep_name_on_record AS erase_name, NOT keep_name_on_record AND full_name <> $2 AS name_erased
         FROM signatures
        WHERE status = 'invalidated'
          AND invalidated_at < now() - make_interval(secs => $1 * 86400)
          AND (email IS NOT NULL OR email_normalised IS NOT NULL OR origin_hash IS NOT NULL OR comment IS NOT NULL
               OR (NOT keep_name_on_record AND (full_name <> $2 OR city IS NOT NULL OR organisation IS NOT NULL
                                                OR occupation IS NOT NULL)))
          FOR UPDATE
     ), erased AS (
       UPDATE signatures s
          SET email = NULL, email_normalised = NULL, origin_hash = NULL, wants_updates = false,
              full_name = CASE WHEN target.erase_name THEN $2 ELSE s.full_name END,
              city = CASE WHEN target.erase_name THEN NULL ELSE s.city END,
              organisation = CASE WHEN target.erase_name THEN NULL ELSE s.organisation END,
              occupation = CASE WHEN target.erase_name THEN NULL ELSE s.occupation END,
              -- An invalidated signature's comment is never shown: nothing keeps it.
              comment = NULL, comment_status = NULL, comment_anonymous = false
         FROM target WHERE s.id = target.id
       RETURNING target.name_erased
     ),
     -- What the owners wrote about a featured signer, and the affiliation of an organisation
     -- erased, go with the name (features/signatories).
     unfeatured AS (DELETE FROM featured_signatories f USING target WHERE f.signature_id = target.id AND target.erase_name),
     unmarked AS (DELETE FROM signature_affiliations a USING target WHERE a.signature_id = target.id AND target.erase_name)
     SELECT count(*) AS signatures, count(*) FILTER (WHERE name_erased) AS names FROM erased`,
    [days, ERASED_NAME],
  );
  return { signatures: Number(row?.signatures ?? 0), names: Number(row?.names ?? 0) };
}

/**
 * A comment that can no longer be shown is erased: its signer made their name private (on the
 * confirmation page or from their link) without allowing the comment to be shown without it.
 * Rejected comments are erased when rejected, and a withdrawn signature takes its comment along.
 * (Read through the two partial indexes of comments, not the whole table.)
 */
export async function eraseUnshowableComments(db: DataSource): Promise<number> {
  const [, updated] = await db.query<[unknown, number]>(
    `UPDATE signatures SET comment = NULL, comment_status = NULL
      WHERE (comment_status = 'pending' OR comment_status = 'approved') AND visibility = 'private' AND NOT comment_anonymous`,
  );
  return updated;
}

/**
 * Paper sheets hold names and cities. A preview never imported is deleted after 24 hours; an
 * imported one is emptied when it is imported (paper.service), and any that still holds its rows
 * (imported before that rule) is emptied here. The imported row itself stays: it answers a second
 * click on "Import".
 */
export async function erasePaperPreviews(db: DataSource): Promise<{ deleted: number; emptied: number }> {
  const [, deleted] = await db.query<[unknown, number]>(
    `DELETE FROM paper_imports WHERE status = 'preview' AND created_at < now() - make_interval(hours => $1)`,
    [PAPER_PREVIEW_HOURS],
  );
  const [, emptied] = await db.query<[unknown, number]>(
    `UPDATE paper_imports SET rows = '[]'::jsonb WHERE status = 'imported' AND rows <> '[]'::jsonb`,
  );
  return { deleted, emptied };
}

/**
 * The audit trail's erasable details (reasons and notes typed by organisers, signers' mail
 * domains: audit_details) are deleted `days` after they were written; the trail rows stay and
 * show that the detail was erased.
 */
export function eraseOldAuditDetails(db: DataSource, days: number): Promise<number> {
  return deleteAuditDetails(db, { olderThanDays: days });
}

/** Erasure on request: every erasable detail of one letter's trail (the trail rows themselves stay). */
export function eraseAuditDetails(db: DataSource, letterId: string): Promise<number> {
  return deleteAuditDetails(db, { letterId });
}

/** What one retention run erased, per category: counts only, never whose. */
export interface RetentionReport {
  pendingDeleted: number;
  bouncedDeleted: number;
  invalidatedErased: number;
  invalidatedNamesErased: number;
  deliveredErased: number;
  paperPreviewsDeleted: number;
  paperSheetsEmptied: number;
  suppressionsErased: number;
  auditDetailsErased: number;
  /** Readers' reports whose words and address were erased (src/features/reports). */
  reportDetailsErased: number;
  /** Uploads a stopped process left unfinished: their large objects, deleted (src/platform/db/large-objects.ts). */
  abandonedUploads: number;
  /** Records of an update's emails that forgot whom they went to (the figures stay). */
  updateRecipientsForgotten: number;
  /** Comments of signers who made their name private without allowing the comment to be shown without it. */
  commentsErased: number;
  /** Co-sponsors' names and addresses no longer needed (src/features/cosponsors). */
  supportersErased: number;
}

/** Every retention rule, as the worker applies them hourly and `npm run privacy -- retention` at once. */
export async function applyRetention(
  db: DataSource,
  periods: { PENDING_RETENTION_DAYS: number; DELIVERED_RETENTION_DAYS: number; AUDIT_DETAIL_RETENTION_DAYS: number },
): Promise<RetentionReport> {
  const pendingDeleted = await erasePendingSignatures(db, periods.PENDING_RETENTION_DAYS);
  const bouncedDeleted = await eraseBouncedSignatures(db, periods.PENDING_RETENTION_DAYS);
  const invalidated = await eraseInvalidatedContactData(db, periods.PENDING_RETENTION_DAYS);
  const deliveredErased = await eraseDeliveredContactData(db, periods.DELIVERED_RETENTION_DAYS);
  const paper = await erasePaperPreviews(db);
  const suppressionsErased = await eraseExpiredSuppressions(db);
  const auditDetailsErased = await eraseOldAuditDetails(db, periods.AUDIT_DETAIL_RETENTION_DAYS);
  const reportDetailsErased = await eraseReportDetails(db);
  const abandonedUploads = await sweepStagedUploads(db);
  const updateRecipientsForgotten = await forgetDeliverySigners(db);
  const commentsErased = await eraseUnshowableComments(db);
  const supportersErased = await eraseSupporters(db);
  return {
    pendingDeleted,
    bouncedDeleted,
    invalidatedErased: invalidated.signatures,
    invalidatedNamesErased: invalidated.names,
    deliveredErased,
    paperPreviewsDeleted: paper.deleted,
    paperSheetsEmptied: paper.emptied,
    suppressionsErased,
    auditDetailsErased,
    reportDetailsErased,
    abandonedUploads,
    updateRecipientsForgotten,
    commentsErased,
    supportersErased,
  };
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
    // Erasure on request withdraws every signature of the person, as the integrity report counts it.
    await markRemoval(tx, 'withdrawn');
    // TypeORM answers a DELETE with [rows, affected].
    const [removed] = await tx.query<
      [Array<{ letter_id: string; country: string; status: string; held_reason: string | null }>, number]
    >(
      `DELETE FROM signatures WHERE email_normalised = $1 OR lower(email) = $2
       RETURNING letter_id, country, status, held_reason`,
      [normalised, typed],
    );
    for (const r of removed) {
      if (r.status === 'confirmed' && !r.held_reason) await recordCountChange(tx, r.letter_id, r.country, -1);
    }
    // So do the requests for the link to one's signatures (and the link itself stops working).
    await forgetAddress(tx, normalised);
    // And any support they offered a letter that was being started.
    await eraseSupporter(tx, typed);
    // Copies of mail in the development mailbox name the address too.
    // (No LIKE: "_" and "%" in an address would match other people's mail.)
    await tx.query(
      `DELETE FROM dev_mailbox WHERE lower(recipient) = $1 OR right(lower(recipient), length($1) + 2) = '<' || $1 || '>'`,
      [typed],
    );
    return { signatures: removed.length, letters: new Set(removed.map((r) => r.letter_id)).size };
  });
}
