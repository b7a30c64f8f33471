import type { DataSource, EntityManager } from 'typeorm';

/**
 * Files live in PostgreSQL large objects, written and read in chunks of this size: what a file
 * costs the web process while it is uploaded or downloaded, whatever its size. node-postgres
 * moves bytea as hex text, so a chunk in flight costs about four times its size for a moment;
 * 64 KB keeps 40 slow readers of a 10 MB file at about 20 MB held in all (bench/attachment-memory.ts),
 * and a 10 MB file is still only 160 short statements.
 */
export const LARGE_OBJECT_CHUNK_BYTES = 64 * 1024;

/** How long a staged upload may stay unclaimed before the retention run deletes it (a crashed upload). */
export const STAGED_UPLOAD_HOURS = 1;

type Queryable = Pick<DataSource | EntityManager, 'query'>;

/**
 * A large object being written by an upload. Each chunk is its own short statement (no
 * transaction stays open while a slow client sends), and until a row that uses it commits the
 * object belongs to its `upload_staging` row: `discard()` (or the retention run) deletes that row,
 * and a trigger unlinks the object with it (migration AttachmentsAsLargeObjects).
 */
export class StagedLargeObject {
  private written = 0;

  private constructor(
    private readonly db: Queryable,
    readonly oid: number,
  ) {}

  static async create(db: Queryable): Promise<StagedLargeObject> {
    const [row] = await db.query<Array<{ oid: string }>>(
      `INSERT INTO upload_staging (content) VALUES (lo_create(0)) RETURNING content::text AS oid`,
    );
    return new StagedLargeObject(db, Number(row.oid));
  }

  get bytes(): number {
    return this.written;
  }

  /** Appends one chunk (at most LARGE_OBJECT_CHUNK_BYTES, or a little more, at a time). */
  async append(chunk: Buffer): Promise<void> {
    await this.db.query(`SELECT lo_put($1::oid, $2::bigint, $3::bytea)`, [this.oid, this.written, chunk]);
    this.written += chunk.length;
  }

  read(offset: number, length: number): Promise<Buffer> {
    return readLargeObject(this.db, this.oid, offset, length);
  }

  /** Deletes the object (an upload refused or cut off); safe to call more than once. */
  async discard(): Promise<void> {
    await this.db.query(`DELETE FROM upload_staging WHERE content = $1::oid`, [this.oid]);
  }
}

/**
 * Hands a staged object to the row that now holds it: call it in the transaction that inserts
 * that row, after the insert (the trigger then sees the object held and keeps it). False when
 * the staged object is gone (discarded, or swept): the caller must not commit its row then.
 */
export async function claimStagedLargeObject(tx: EntityManager, oid: number): Promise<boolean> {
  const [, deleted] = await tx.query<[unknown, number]>(`DELETE FROM upload_staging WHERE content = $1::oid`, [oid]);
  return deleted === 1;
}

/** `length` bytes of the object from `offset` (fewer at its end), in one statement. */
export async function readLargeObject(db: Queryable, oid: number, offset: number, length: number): Promise<Buffer> {
  const [row] = await db.query<Array<{ data: Buffer }>>(`SELECT lo_get($1::oid, $2::bigint, $3::int) AS data`, [
    oid,
    offset,
    length,
  ]);
  return row.data;
}

/** Deletes the objects of uploads never claimed (a process that stopped mid-upload); returns how many. */
export async function sweepStagedUploads(db: Queryable, hours = STAGED_UPLOAD_HOURS): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(
    `DELETE FROM upload_staging WHERE created_at < now() - make_interval(secs => $1 * 3600)`,
    [hours],
  );
  return deleted;
}
