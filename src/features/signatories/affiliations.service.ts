/**
 * Verified affiliation: the owners list mail domains per organisation (`amnesty.org` for Amnesty
 * International), and a signature made for that organisation from an address at one of them
 * shows the mark "affiliation checked by the organisers". The address and the domain are never
 * shown: the mark says only that the check was made.
 *
 * The check is `affiliation_match(letter, organisation, address)` in SQL
 * (migrations/1765200100000-NotableAndAffiliations.ts), made when a signature is confirmed (by a
 * trigger: retention erases addresses later, so the result is kept, with the entry it matched)
 * and, when the owners add an entry, for the signatures confirmed before, by a job in batches.
 * An entry removed takes its marks with it (the foreign key); an owner can remove one mark.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditActor } from '../../core/audit';
import { recordAudit } from '../../core/audit';
import { enqueue } from '../../platform/mail/queue';

/** At most this many domain entries per letter: an owner's list, not a directory. */
export const MAX_AFFILIATION_DOMAINS = 200;
/** Signatures checked per statement when an entry is added to a letter with many. */
export const AFFILIATION_BATCH = 5_000;
/** The job that checks a letter's earlier signatures against its list (payload: { letterId }). */
export const TASK_AFFILIATIONS = 'signatories.affiliations-recompute';
/** The marks the owners' page lists, newest first. */
export const MARKS_SHOWN = 100;

export interface AffiliationDomain {
  id: string;
  organisation: string;
  domain: string;
  /** Signatures it marks now (not counting marks an owner removed). */
  marked: number;
}

export interface AffiliationMark {
  signatureId: string;
  name: string;
  organisation: string | null;
  domain: string;
  removed: boolean;
}

/** A mail domain as owners type it, lower-cased and checked; null when it is not one. */
export function parseMailDomain(input: string): string | null {
  const d = input.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '');
  if (d.length < 3 || d.length > 253) return null;
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = d.split('.');
  if (labels.length < 2 || !labels.every((l) => label.test(l))) return null;
  if (!/[a-z]/.test(labels[labels.length - 1])) return null;
  return d;
}

/**
 * The check, as the trigger makes it: the entry of the letter's list that an organisation and an
 * address match, or null. Another field (a title) is checked by calling it with that field.
 */
export async function affiliationMatch(
  db: DataSource | EntityManager,
  letterId: string,
  organisation: string | null,
  email: string | null,
): Promise<string | null> {
  if (!organisation || !email) return null;
  const [row] = await db.query<Array<{ id: string | null }>>(`SELECT affiliation_match($1, $2, $3)::text AS id`, [
    letterId,
    organisation,
    email,
  ]);
  return row?.id ?? null;
}

export async function listAffiliationDomains(db: DataSource, letterId: string): Promise<AffiliationDomain[]> {
  const rows: Array<{ id: string; organisation: string; domain: string; marked: number }> = await db.query(
    `SELECT d.id::text AS id, d.organisation, d.domain,
            (SELECT count(*)::int FROM signature_affiliations a WHERE a.domain_id = d.id AND a.removed_at IS NULL) AS marked
       FROM affiliation_domains d WHERE d.letter_id = $1 ORDER BY d.organisation, d.domain
      LIMIT ${MAX_AFFILIATION_DOMAINS}`,
    [letterId],
  );
  return rows;
}

/** The newest marks, for the owners to review and remove (with the name the signer typed). */
export async function listAffiliationMarks(db: DataSource, letterId: string): Promise<AffiliationMark[]> {
  const rows: Array<{
    signature_id: string;
    name: string;
    organisation: string | null;
    domain: string;
    removed: boolean;
  }> = await db.query(
    `SELECT a.signature_id, s.full_name AS name, s.organisation, d.domain, a.removed_at IS NOT NULL AS removed
       FROM signature_affiliations a
       JOIN signatures s ON s.id = a.signature_id
       JOIN affiliation_domains d ON d.id = a.domain_id
      WHERE a.letter_id = $1
      ORDER BY a.checked_at DESC, a.signature_id
      LIMIT ${MARKS_SHOWN}`,
    [letterId],
  );
  return rows.map((r) => ({
    signatureId: r.signature_id,
    name: r.name,
    organisation: r.organisation,
    domain: r.domain,
    removed: r.removed,
  }));
}

/**
 * Adds an entry (organisation, domain), recorded in the trail, and queues the check of the
 * letter's earlier signatures against it. Refused when the list is full; an entry already there
 * is left as it is.
 */
export async function addAffiliationDomain(
  db: DataSource,
  letterId: string,
  organisation: string,
  domain: string,
  actor: AuditActor,
): Promise<{ ok: true } | { ok: false; reason: 'full' | 'organisation' }> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM letters WHERE id = $1 FOR UPDATE`, [letterId]);
    const [{ n }] = await tx.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM affiliation_domains WHERE letter_id = $1`,
      [letterId],
    );
    if (n >= MAX_AFFILIATION_DOMAINS) return { ok: false as const, reason: 'full' as const };
    const added = await tx.query<Array<{ id: string }>>(
      `INSERT INTO affiliation_domains (letter_id, organisation, organisation_key, domain)
       SELECT $1, $2, k, $3 FROM (SELECT signatory_search_key($2) AS k) x WHERE k <> ''
       ON CONFLICT (letter_id, domain, organisation_key) DO NOTHING
       RETURNING id::text AS id`,
      [letterId, organisation, domain],
    );
    if (!added.length) {
      const [{ key }] = await tx.query<Array<{ key: string }>>(`SELECT signatory_search_key($1) AS key`, [
        organisation,
      ]);
      return key ? { ok: true as const } : { ok: false as const, reason: 'organisation' as const };
    }
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'signatories.affiliation-added',
      detail: { entryId: added[0].id, organisation, mailDomain: domain },
    });
    await enqueue(tx, TASK_AFFILIATIONS, { letterId }, { jobKey: `affiliations:${letterId}` });
    return { ok: true as const };
  });
}

/** Removes an entry and, with it, every mark it made; recorded in the trail. */
export async function removeAffiliationDomain(
  db: DataSource,
  letterId: string,
  id: string,
  actor: AuditActor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<Array<{ organisation: string; domain: string; marks: number }>>(
      `WITH m AS (SELECT count(*)::int AS n FROM signature_affiliations WHERE domain_id = $2::bigint AND removed_at IS NULL),
            d AS (DELETE FROM affiliation_domains WHERE letter_id = $1 AND id = $2::bigint RETURNING organisation, domain)
       SELECT d.organisation, d.domain, m.n AS marks FROM d, m`,
      [letterId, id],
    );
    if (!rows.length) return false;
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'signatories.affiliation-removed',
      detail: { entryId: id, organisation: rows[0].organisation, mailDomain: rows[0].domain, marks: rows[0].marks },
    });
    return true;
  });
}

/** An owner removes one signature's mark; it stays removed when the list changes. */
export async function removeAffiliationMark(
  db: DataSource,
  letterId: string,
  signatureId: string,
  actor: AuditActor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [, changed] = await tx.query<[unknown, number]>(
      `UPDATE signature_affiliations SET removed_at = now()
        WHERE signature_id = $1 AND letter_id = $2 AND removed_at IS NULL`,
      [signatureId, letterId],
    );
    if (changed)
      await recordAudit(tx, { letterId, actor, kind: 'signatories.affiliation-mark-removed', detail: { signatureId } });
    return changed > 0;
  });
}

/**
 * Checks a letter's confirmed signatures that still have their address against its list, in
 * batches along the index of confirmed signatures (each batch its own statement, so no lock is
 * held for long on a letter of a million). A signature already checked (or whose mark an owner
 * removed) is left as it is. Answers how many marks were added.
 */
export async function recomputeAffiliations(db: DataSource, letterId: string): Promise<number> {
  let after: { at: string; id: string } | null = null;
  let added = 0;
  for (;;) {
    const rows: Array<{ at: string; id: string; added: number }> = await db.query(
      `WITH batch AS (
         SELECT s.id, s.confirmed_at, s.organisation, coalesce(s.email_normalised, s.email) AS email
           FROM signatures s
          WHERE s.letter_id = $1 AND s.status = 'confirmed'
            AND ($2::timestamptz IS NULL OR (s.confirmed_at, s.id) > ($2::timestamptz, $3::uuid))
          ORDER BY s.confirmed_at, s.id
          LIMIT ${AFFILIATION_BATCH}
       ), ins AS (
         INSERT INTO signature_affiliations (signature_id, letter_id, domain_id)
         SELECT b.id, $1, m.d FROM batch b, LATERAL (SELECT affiliation_match($1, b.organisation, b.email) AS d) m
          WHERE b.organisation IS NOT NULL AND b.email IS NOT NULL AND m.d IS NOT NULL
         ON CONFLICT (signature_id) DO NOTHING
         RETURNING 1
       )
       SELECT confirmed_at::text AS at, id, (SELECT count(*)::int FROM ins) AS added
         FROM batch ORDER BY confirmed_at DESC, id DESC LIMIT 1`,
      [letterId, after?.at ?? null, after?.id ?? null],
    );
    if (!rows.length) return added;
    added += rows[0].added;
    after = { at: rows[0].at, id: rows[0].id };
  }
}

/**
 * Which of these signatures carry the mark now (for the rows a page shows). Only where the page
 * shows the organisation: an initials-only individual's mark would tell of an affiliation the page
 * keeps to itself.
 */
export async function checkedAffiliations(db: DataSource, signatureIds: string[]): Promise<Set<string>> {
  if (!signatureIds.length) return new Set();
  const rows: Array<{ signature_id: string }> = await db.query(
    `SELECT a.signature_id FROM signature_affiliations a JOIN signatures s ON s.id = a.signature_id
      WHERE a.signature_id = ANY($1::uuid[]) AND a.removed_at IS NULL
        AND (s.signed_as = 'organisation' OR s.visibility = 'public')`,
    [signatureIds],
  );
  return new Set(rows.map((r) => r.signature_id));
}
