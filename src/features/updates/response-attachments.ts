import type { DataSource, EntityManager } from 'typeorm';
import { claimStagedLargeObject } from '../../platform/db/large-objects';

/**
 * A response's PDF as it was uploaded: a large object (streamed in by the upload, see
 * src/features/recipients/response-upload.ts) with its size and SHA-256. The row in
 * letter_response_attachments holds the object; deleting the row, the response or the letter
 * unlinks it (a trigger, migration AttachmentsAsLargeObjects).
 */
export interface UploadedAttachment {
  name: string;
  oid: number;
  bytes: number;
  sha256: string;
}

/** Gives the staged upload to the response, in the response's transaction. */
export async function attachToResponse(tx: EntityManager, responseId: string, file: UploadedAttachment): Promise<void> {
  await tx.query(
    `INSERT INTO letter_response_attachments (response_id, content, sha256, bytes) VALUES ($1, $2::oid, $3, $4)`,
    [responseId, file.oid, file.sha256, file.bytes],
  );
  if (!(await claimStagedLargeObject(tx, file.oid))) throw new Error('the uploaded file is no longer staged');
}

/** Where a response's PDF is, and what it is; null when it has none. */
export async function findResponseAttachment(
  db: DataSource,
  responseId: string,
): Promise<{ oid: number; bytes: number; sha256: string } | null> {
  const [row] = await db.query<Array<{ oid: string; bytes: string; sha256: string }>>(
    `SELECT content::text AS oid, bytes, sha256 FROM letter_response_attachments WHERE response_id = $1`,
    [responseId],
  );
  return row ? { oid: Number(row.oid), bytes: Number(row.bytes), sha256: row.sha256 } : null;
}
