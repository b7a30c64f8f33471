import type { DataSource } from 'typeorm';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { recordAudit, type AuditActor } from '../../core/audit';
import type { StoredFile } from '../../platform/web/send-file';
import type { EncodedHeaderImage } from './header-image-encoding';

/** A letter's header image as its owners' page and the public file route need it. */
export interface HeaderImage {
  letterId: string;
  oid: number;
  bytes: number;
  sha256: string;
  width: number;
  height: number;
  /** Alt text per language of the letter; the letter's default language always has one. */
  alt: Partial<Record<Language, string>>;
  uploadedAt: Date;
}

interface Row {
  letter_id: string;
  oid: string;
  bytes: number;
  sha256: string;
  width: number;
  height: number;
  alt: Partial<Record<Language, string>>;
  uploaded_at: Date;
}

const COLUMNS = `letter_id, content::text AS oid, bytes, sha256, width, height, alt, uploaded_at`;

function fromRow(r: Row): HeaderImage {
  return {
    letterId: r.letter_id,
    oid: Number(r.oid),
    bytes: r.bytes,
    sha256: r.sha256.trim(),
    width: r.width,
    height: r.height,
    alt: r.alt,
    uploadedAt: r.uploaded_at,
  };
}

export async function headerImageOf(db: DataSource, letterId: string): Promise<HeaderImage | null> {
  const [row] = await db.query<Row[]>(`SELECT ${COLUMNS} FROM letter_header_images WHERE letter_id = $1`, [letterId]);
  return row ? fromRow(row) : null;
}

/** The public address of an image: its digest is in it, so a new image is a new address, cached for good. */
export function headerImagePath(slug: string, sha256: string): string {
  return `/letters/${slug}/header-image/${sha256}.jpg`;
}

/** What the letter page shows: the image, its size, and its alt text in the page's language. */
export interface HeaderImageOnPage {
  src: string;
  width: number;
  height: number;
  alt: string;
}

export async function headerImageForPage(
  db: DataSource,
  letter: Pick<Letter, 'id' | 'slug' | 'defaultLanguage'>,
  language: Language,
): Promise<HeaderImageOnPage | null> {
  const image = await headerImageOf(db, letter.id);
  if (!image) return null;
  return {
    src: headerImagePath(letter.slug, image.sha256),
    width: image.width,
    height: image.height,
    alt: image.alt[language] ?? image.alt[letter.defaultLanguage] ?? '',
  };
}

/**
 * The digest that names the letter's current image (null without one): the share card's cache
 * key. Its band is read only when a card is drawn (headerCardOf), not on every request.
 */
export async function headerImageDigest(db: DataSource, letterId: string): Promise<string | null> {
  const [row] = await db.query<Array<{ sha256: string }>>(
    `SELECT sha256 FROM letter_header_images WHERE letter_id = $1`,
    [letterId],
  );
  return row ? row.sha256.trim() : null;
}

/** The share card's band (a small JPEG), or null. */
export async function headerCardOf(db: DataSource, letterId: string): Promise<Buffer | null> {
  const [row] = await db.query<Array<{ card: Buffer }>>(`SELECT card FROM letter_header_images WHERE letter_id = $1`, [
    letterId,
  ]);
  return row?.card ?? null;
}

/** The stored file behind a public address, when the digest is the letter's current image's. */
export async function headerImageFile(db: DataSource, letterId: string, sha256: string): Promise<StoredFile | null> {
  const image = await headerImageOf(db, letterId);
  if (!image || image.sha256 !== sha256) return null;
  return { oid: image.oid, bytes: image.bytes, sha256: image.sha256, name: 'header.jpg', contentType: 'image/jpeg' };
}

/**
 * Puts a new image in place of the letter's header image (or its first), with its alt text, and
 * records it in the letter's trail, in one transaction. The old image's large object is unlinked
 * by the table's trigger when its row takes the new one. The image is at most a few hundred KB
 * once re-encoded, so it is written in one statement.
 */
export async function saveHeaderImage(
  db: DataSource,
  letterId: string,
  image: EncodedHeaderImage,
  alt: Partial<Record<Language, string>>,
  actor: AuditActor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ replaced }] = await tx.query<Array<{ replaced: boolean }>>(
      `INSERT INTO letter_header_images AS h (letter_id, content, bytes, sha256, width, height, card, alt, uploaded_by)
       VALUES ($1, lo_from_bytea(0, $2), $3, $4, $5, $6, $7, $8::jsonb, $9)
       ON CONFLICT (letter_id) DO UPDATE
         SET content = EXCLUDED.content, bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256, width = EXCLUDED.width,
             height = EXCLUDED.height, card = EXCLUDED.card, alt = EXCLUDED.alt, uploaded_by = EXCLUDED.uploaded_by,
             uploaded_at = now()
       RETURNING (xmax <> 0) AS replaced`,
      [
        letterId,
        image.page,
        image.page.length,
        image.sha256,
        image.width,
        image.height,
        image.card,
        JSON.stringify(alt),
        actor.id,
      ],
    );
    await recordAudit(tx, {
      letterId,
      actor,
      kind: replaced ? 'headerImages.replaced' : 'headerImages.uploaded',
      detail: { width: image.width, height: image.height, bytes: image.page.length, sha256: image.sha256 },
    });
  });
}

/** Changes only the alt text of the letter's image; false when it has none. */
export async function saveHeaderImageAlt(
  db: DataSource,
  letterId: string,
  alt: Partial<Record<Language, string>>,
  actor: AuditActor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [, changed] = await tx.query<[unknown, number]>(
      `UPDATE letter_header_images SET alt = $2::jsonb WHERE letter_id = $1`,
      [letterId, JSON.stringify(alt)],
    );
    if (changed !== 1) return false;
    await recordAudit(tx, { letterId, actor, kind: 'headerImages.alt-changed' });
    return true;
  });
}

/** Removes the letter's image (its object goes with its row); false when it had none. */
export async function removeHeaderImage(db: DataSource, letterId: string, actor: AuditActor): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [, removed] = await tx.query<[unknown, number]>(`DELETE FROM letter_header_images WHERE letter_id = $1`, [
      letterId,
    ]);
    if (removed !== 1) return false;
    await recordAudit(tx, { letterId, actor, kind: 'headerImages.removed' });
    return true;
  });
}
