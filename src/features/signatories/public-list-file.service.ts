/**
 * The public list as a CSV file, for journalists and researchers: exactly the rows and columns the
 * page shows, made by a job as an export with purpose "publication" (so that `/verify` recognises
 * the file, as it does every export), kept as a large object and served as it is. A reader's
 * request never reads the signatures: it serves the newest file, and asks the job for a new one
 * when that file is a few minutes old. A file older than PUBLIC_LIST_FILE_KEPT_MINUTES is neither
 * served nor kept, so a name withdrawn or made private leaves the downloads within minutes.
 */
import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../core/letters/letter.entity';
import { isPubliclyVisible } from '../../core/letters/review';
import { findLetterById } from '../../core/letters/letters.service';
import { claimStagedLargeObject, LARGE_OBJECT_CHUNK_BYTES, StagedLargeObject } from '../../platform/db/large-objects';
import { enqueue } from '../../platform/mail/queue';
import type { StoredFile } from '../../platform/web/send-file';
import { exportSignatures } from '../exports';

export const TASK_PUBLIC_LIST_FILE = 'signatories-public-list-file';
/** A file younger than this is served without asking for a new one. */
export const PUBLIC_LIST_FILE_FRESH_MINUTES = 5;
/** A file older than this is not served, and the chore deletes it. */
export const PUBLIC_LIST_FILE_KEPT_MINUTES = 15;

export interface PublicListFileJob {
  letterId: string;
  language: Language;
}

export interface PublicListFile extends StoredFile {
  exportId: string;
  fresh: boolean;
}

/** The letter's newest public file in this language, if one is recent enough to serve. */
export async function currentPublicListFile(
  db: DataSource,
  letterId: string,
  language: Language,
): Promise<PublicListFile | null> {
  const [row] = await db.query<
    Array<{ export_id: string; content: string; bytes: string; sha256: string; file_name: string; fresh: boolean }>
  >(
    `SELECT export_id, content::text AS content, bytes, sha256, file_name,
            made_at > now() - $3 * interval '1 minute' AS fresh
       FROM public_list_files
      WHERE letter_id = $1 AND language = $2 AND made_at > now() - $4 * interval '1 minute'`,
    [letterId, language, PUBLIC_LIST_FILE_FRESH_MINUTES, PUBLIC_LIST_FILE_KEPT_MINUTES],
  );
  if (!row) return null;
  return {
    exportId: row.export_id,
    oid: Number(row.content),
    bytes: Number(row.bytes),
    sha256: row.sha256,
    name: row.file_name,
    contentType: 'text/csv; charset=utf-8',
    fresh: row.fresh,
  };
}

/** Asks the worker for a new file; one waiting job per letter and language, whatever the readers. */
export async function requestPublicListFile(db: DataSource, job: PublicListFileJob): Promise<void> {
  // The key keeps one job waiting; the named queue runs them one at a time (a reader who asks
  // while one runs queues the next, which finds the fresh file and stops).
  const key = `${TASK_PUBLIC_LIST_FILE}:${job.letterId}:${job.language}`;
  await db.transaction((tx) => enqueue(tx, TASK_PUBLIC_LIST_FILE, job, { jobKey: key, queueName: key }));
}

/** A writable that appends what it is given to a staged large object, a chunk at a time. */
function largeObjectSink(staged: StagedLargeObject): Writable {
  let pending: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    if (!size) return;
    const chunk = Buffer.concat(pending, size);
    pending = [];
    size = 0;
    await staged.append(chunk);
  };
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending.push(chunk);
      size += chunk.length;
      if (size < LARGE_OBJECT_CHUNK_BYTES) return done();
      flush().then(() => done(), done);
    },
    final(done) {
      flush().then(() => done(), done);
    },
  });
}

/** The job: the public CSV of a letter in a language, written, audited and put in place of the last one. */
export async function makePublicListFile(ctx: AppContext, job: PublicListFileJob): Promise<void> {
  const letter = await findLetterById(ctx.db, job.letterId);
  if (!isPubliclyVisible(letter)) return;
  // Readers who asked while the last job ran queued another: the file they wait for is there now.
  if ((await currentPublicListFile(ctx.db, letter.id, job.language))?.fresh) return;
  const staged = await StagedLargeObject.create(ctx.db);
  try {
    const made = await exportSignatures(
      ctx,
      {
        letter,
        format: 'csv',
        purpose: 'publication',
        organiserId: null,
        language: job.language,
        // What the page shows of each row, nothing more.
        columns: letter.askOccupation
          ? ['name', 'occupation', 'organisation', 'city', 'country', 'signedAs', 'source']
          : ['name', 'organisation', 'city', 'country', 'signedAs', 'source'],
      },
      largeObjectSink(staged),
    );
    await ctx.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO public_list_files (letter_id, language, export_id, content, bytes, sha256, file_name)
         VALUES ($1, $2, $3, $4::oid, $5, $6, $7)
         ON CONFLICT (letter_id, language) DO UPDATE
           SET export_id = EXCLUDED.export_id, content = EXCLUDED.content, bytes = EXCLUDED.bytes,
               sha256 = EXCLUDED.sha256, file_name = EXCLUDED.file_name, made_at = now()`,
        [letter.id, job.language, made.exportId, staged.oid, made.bytes, made.sha256, made.fileName],
      );
      if (!(await claimStagedLargeObject(tx, staged.oid))) throw new Error('the staged public list file is gone');
    });
    ctx.log.info({ letterId: letter.id, exportId: made.exportId, rows: made.rowCount }, 'public list file made');
  } catch (err) {
    await staged.discard();
    throw err;
  }
}

/** The chore: files past their time go, with their large objects (a trigger unlinks them). */
export async function dropOldPublicListFiles(db: DataSource): Promise<number> {
  const [, deleted] = await db.query<[unknown, number]>(
    `DELETE FROM public_list_files WHERE made_at <= now() - $1 * interval '1 minute'`,
    [PUBLIC_LIST_FILE_KEPT_MINUTES],
  );
  return deleted;
}
