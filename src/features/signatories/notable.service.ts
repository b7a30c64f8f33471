/**
 * Notable signatories: the public signatures a letter's owners feature at the top of the letter
 * page and of the list, in the owners' order, each with one line the owner typed.
 *
 * Only a signature whose name is public can be featured (a private signer is never listed, an
 * initials-only signer's name stays initials, so neither is ever a "notable" name). A featured
 * signer is told by email and can leave the feature with one click; they stay on the letter, and
 * the owners cannot feature them again. Every owner change is recorded in the letter's trail.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditActor } from '../../core/audit';
import { recordAudit } from '../../core/audit';
import { findTokenForUpdate, isExpired } from '../../core/tokens';
import { enqueue } from '../../platform/mail/queue';
import type { SignedAs } from '../signatures';
import { PUBLIC_ROW } from './signatories.service';

/** At most this many featured signatories per letter: the top of a page, not a second list. */
export const MAX_FEATURED = 24;
/** The owner's line about a featured signatory. */
export const FEATURED_DESCRIPTION_MAX = 140;
/** The job that tells a featured signer (payload: FeaturedEmailJob). */
export const TASK_FEATURED_EMAIL = 'signatories.featured-email';

/** A signature the public may see under its full name: listed, and the signer chose their name. */
export const FEATURABLE_ROW = `${PUBLIC_ROW} AND s.visibility = 'public'`;

export interface FeaturedEmailJob {
  signatureId: string;
  letterId: string;
}

export interface FeaturedSignatory {
  id: string;
  name: string;
  organisation: string | null;
  signedAs: SignedAs;
  country: string;
  description: string;
  position: number;
  affiliationChecked: boolean;
}

/** Why a feature was refused; each is a message of the signatories catalogue. */
export type FeatureRefusal = 'notPublic' | 'full' | 'declined' | 'already';

interface FeaturedRow {
  id: string;
  name: string;
  organisation: string | null;
  signed_as: SignedAs;
  country: string;
  description: string;
  position: number;
  affiliation_checked: boolean;
}

/**
 * A letter's featured signatories, in the owners' order: only those still public under their
 * name (a signature hidden, held, invalidated or made private since drops out by itself).
 */
export async function featuredSignatories(
  db: DataSource | EntityManager,
  letterId: string,
): Promise<FeaturedSignatory[]> {
  const rows: FeaturedRow[] = await db.query(
    `SELECT s.id, s.full_name AS name, s.organisation, s.signed_as, s.country, f.description, f.position,
            EXISTS (SELECT 1 FROM signature_affiliations a WHERE a.signature_id = s.id AND a.removed_at IS NULL) AS affiliation_checked
       FROM featured_signatories f JOIN signatures s ON s.id = f.signature_id
      WHERE f.letter_id = $1 AND f.withdrawn_at IS NULL AND s.letter_id = $1 AND ${FEATURABLE_ROW}
      ORDER BY f.position, s.id
      LIMIT ${MAX_FEATURED}`,
    [letterId],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    organisation: r.organisation,
    signedAs: r.signed_as,
    country: r.country,
    description: r.description,
    position: r.position,
    affiliationChecked: r.affiliation_checked,
  }));
}

export interface FeatureCandidate {
  id: string;
  name: string;
  organisation: string | null;
  signedAs: SignedAs;
  country: string;
  featured: boolean;
  declined: boolean;
}

/** Public signatures (full name) matching a search, for the owners to pick from: at most 20. */
export async function featureCandidates(db: DataSource, letterId: string, q: string): Promise<FeatureCandidate[]> {
  const rows: Array<{
    id: string;
    name: string;
    organisation: string | null;
    signed_as: SignedAs;
    country: string;
    featured: boolean;
    declined: boolean;
  }> = await db.query(
    `SELECT s.id, s.full_name AS name, s.organisation, s.signed_as, s.country,
            (f.signature_id IS NOT NULL AND f.withdrawn_at IS NULL) AS featured,
            (f.withdrawn_at IS NOT NULL) AS declined
       FROM signatures s LEFT JOIN featured_signatories f ON f.signature_id = s.id
      WHERE s.letter_id = $1 AND ${FEATURABLE_ROW}
        AND signatory_search_text(s.full_name, s.visibility, s.signed_as, s.organisation) LIKE '%' || signatory_search_key($2) || '%'
      ORDER BY s.confirmed_at DESC, s.id DESC
      LIMIT 20`,
    [letterId, q],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    organisation: r.organisation,
    signedAs: r.signed_as,
    country: r.country,
    featured: r.featured,
    declined: r.declined,
  }));
}

/** Serialises the owners' changes to one letter's featured list (positions and the cap). */
async function lockLetter(tx: EntityManager, letterId: string): Promise<void> {
  await tx.query(`SELECT 1 FROM letters WHERE id = $1 FOR UPDATE`, [letterId]);
}

/**
 * Features a public signature at the end of the list, and queues the email that tells its signer,
 * in the same transaction. Refused when the name is not public, the list is full, the signer
 * withdrew from the feature before, or it is featured already.
 */
export async function featureSignatory(
  db: DataSource,
  letterId: string,
  signatureId: string,
  description: string,
  actor: AuditActor,
): Promise<{ ok: true } | { ok: false; reason: FeatureRefusal }> {
  return db.transaction(async (tx) => {
    await lockLetter(tx, letterId);
    const [sig] = await tx.query<Array<{ id: string }>>(
      `SELECT s.id FROM signatures s WHERE s.id = $1 AND s.letter_id = $2 AND ${FEATURABLE_ROW}`,
      [signatureId, letterId],
    );
    if (!sig) return { ok: false as const, reason: 'notPublic' as const };
    const [existing] = await tx.query<Array<{ withdrawn: boolean }>>(
      `SELECT withdrawn_at IS NOT NULL AS withdrawn FROM featured_signatories WHERE signature_id = $1`,
      [signatureId],
    );
    if (existing)
      return { ok: false as const, reason: existing.withdrawn ? ('declined' as const) : ('already' as const) };
    const [{ n, last }] = await tx.query<Array<{ n: number; last: number }>>(
      `SELECT count(*)::int AS n, coalesce(max(position), 0)::int AS last
         FROM featured_signatories WHERE letter_id = $1 AND withdrawn_at IS NULL`,
      [letterId],
    );
    if (n >= MAX_FEATURED) return { ok: false as const, reason: 'full' as const };
    await tx.query(
      `INSERT INTO featured_signatories (signature_id, letter_id, position, description) VALUES ($1, $2, $3, $4)`,
      [signatureId, letterId, last + 1, description],
    );
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'signatories.featured',
      detail: { signatureId, position: n + 1 },
      erasable: { description },
    });
    await enqueue(tx, TASK_FEATURED_EMAIL, { signatureId, letterId } satisfies FeaturedEmailJob, {
      jobKey: `featured:${signatureId}`,
    });
    return { ok: true as const };
  });
}

/** The owner's line changes (recorded with the new line); false when the signature is not featured. */
async function describeIn(
  tx: EntityManager,
  letterId: string,
  signatureId: string,
  description: string,
  actor: AuditActor,
): Promise<boolean> {
  const [row] = await tx.query<Array<{ changed: boolean }>>(
    `SELECT description <> $3 AS changed FROM featured_signatories
      WHERE signature_id = $1 AND letter_id = $2 AND withdrawn_at IS NULL FOR UPDATE`,
    [signatureId, letterId, description],
  );
  if (!row) return false;
  if (row.changed) {
    await tx.query(`UPDATE featured_signatories SET description = $2 WHERE signature_id = $1`, [
      signatureId,
      description,
    ]);
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'signatories.featured-described',
      detail: { signatureId },
      erasable: { description },
    });
  }
  return true;
}

/**
 * Moves a featured signatory to `to` (1 is the top; beyond the end is the end), the others keeping
 * their order, and numbers the list 1…n again. False when the signature is not featured.
 */
async function moveIn(
  tx: EntityManager,
  letterId: string,
  signatureId: string,
  to: number | 'up' | 'down',
  actor: AuditActor,
): Promise<boolean> {
  const rows = await tx.query<Array<{ signature_id: string }>>(
    `SELECT signature_id FROM featured_signatories WHERE letter_id = $1 AND withdrawn_at IS NULL
      ORDER BY position, signature_id`,
    [letterId],
  );
  const order = rows.map((r) => r.signature_id);
  const from = order.indexOf(signatureId);
  if (from < 0) return false;
  const target = to === 'up' ? from - 1 : to === 'down' ? from + 1 : to - 1;
  const place = Math.max(0, Math.min(order.length - 1, target));
  if (place === from) return true;
  order.splice(from, 1);
  order.splice(place, 0, signatureId);
  await tx.query(
    `UPDATE featured_signatories f SET position = x.n
       FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, n)
      WHERE f.signature_id = x.id AND f.letter_id = $1`,
    [letterId, order],
  );
  await recordAudit(tx, {
    letterId,
    actor,
    kind: 'signatories.featured-moved',
    detail: { signatureId, from: from + 1, to: place + 1 },
  });
  return true;
}

/** A step up or down the featured list. False when the signature is not featured. */
export async function moveFeatured(
  db: DataSource,
  letterId: string,
  signatureId: string,
  to: number | 'up' | 'down',
  actor: AuditActor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockLetter(tx, letterId);
    return moveIn(tx, letterId, signatureId, to, actor);
  });
}

/**
 * The row's form saved: its line and, when given, its place, together (one transaction). False
 * when the signature is not featured.
 */
export async function saveFeatured(
  db: DataSource,
  letterId: string,
  signatureId: string,
  change: { description: string; position: number | null },
  actor: AuditActor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockLetter(tx, letterId);
    if (!(await describeIn(tx, letterId, signatureId, change.description, actor))) return false;
    if (change.position !== null) await moveIn(tx, letterId, signatureId, change.position, actor);
    return true;
  });
}

/** The owners take a signatory off the featured list (the signature stays on the letter). */
export async function unfeatureSignatory(
  db: DataSource,
  letterId: string,
  signatureId: string,
  actor: AuditActor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockLetter(tx, letterId);
    const [, removed] = await tx.query<[unknown, number]>(
      `DELETE FROM featured_signatories WHERE signature_id = $1 AND letter_id = $2 AND withdrawn_at IS NULL`,
      [signatureId, letterId],
    );
    if (removed) await recordAudit(tx, { letterId, actor, kind: 'signatories.unfeatured', detail: { signatureId } });
    return removed > 0;
  });
}

/** What the signer's link leads to: the letter, or nothing when the link is not (or no longer) one. */
export async function checkUnfeatureToken(
  db: DataSource,
  raw: string,
): Promise<{ valid: true; letterId: string; featured: boolean } | { valid: false }> {
  return db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, raw, 'unfeature');
    if (!token || isExpired(token) || !token.signatureId) return { valid: false as const };
    const [row] = await tx.query<Array<{ letter_id: string; featured: boolean }>>(
      `SELECT s.letter_id, (f.signature_id IS NOT NULL AND f.withdrawn_at IS NULL) AS featured
         FROM signatures s LEFT JOIN featured_signatories f ON f.signature_id = s.id WHERE s.id = $1`,
      [token.signatureId],
    );
    return row ? { valid: true as const, letterId: row.letter_id, featured: row.featured } : { valid: false as const };
  });
}

/**
 * The signer leaves the feature (the POST behind their link's page): the signature stays, the
 * feature ends for good (the owners cannot put it back), and the trail says the signer did it.
 */
export async function withdrawFromFeature(
  db: DataSource,
  raw: string,
): Promise<{ done: true; letterId: string } | { done: false }> {
  return db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, raw, 'unfeature');
    if (!token || isExpired(token) || !token.signatureId) return { done: false as const };
    const [sig] = await tx.query<Array<{ letter_id: string }>>(`SELECT letter_id FROM signatures WHERE id = $1`, [
      token.signatureId,
    ]);
    if (!sig) return { done: false as const };
    await lockLetter(tx, sig.letter_id);
    const rows = await tx.query<Array<{ was: boolean }>>(
      `INSERT INTO featured_signatories (signature_id, letter_id, position, withdrawn_at) VALUES ($1, $2, 0, now())
       ON CONFLICT (signature_id) DO UPDATE SET withdrawn_at = now()
         WHERE featured_signatories.withdrawn_at IS NULL
       RETURNING (xmax <> 0) AS was`,
      [token.signatureId, sig.letter_id],
    );
    await tx.query(`UPDATE tokens SET used_at = coalesce(used_at, now()) WHERE id = $1`, [token.id]);
    if (rows[0]?.was)
      await recordAudit(tx, {
        letterId: sig.letter_id,
        actor: null,
        kind: 'signatories.feature-withdrawn',
        detail: { signatureId: token.signatureId },
      });
    return { done: true as const, letterId: sig.letter_id };
  });
}
