import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../core/letters/letter.entity';
import { findLetterById } from '../../core/letters/letters.service';
import { diffStats, listTextVersions, type DiffPart, type TextVersion } from '../../core/letters/text-versions';
import { enqueue } from '../../platform/mail/queue';
import { NotFound } from '../../platform/web/errors';
import { withDiffThread } from './diff-thread';
import { TASK_TEXT_DIFFS, type TextDiffsJob } from './versions.queue';

/**
 * The word diffs between the versions of a text are computed by a job, once, when a version is
 * saved (`text_diffs`, migration TextDiffs), never by the page that shows them: a diff of two long
 * texts costs seconds of CPU. Each stored diff carries a digest of the four texts it compared, so
 * a current text changed in place (nobody had signed it) is compared again, and the page never
 * shows a diff of words other than the ones it names.
 */

/** The job's key: edits in a row make one job, which compares whatever is missing when it runs. */
function jobKey(letterId: string, language: Language): string {
  return `${TASK_TEXT_DIFFS}:${letterId}:${language}`;
}

/** Queues the comparison of a text's versions, in the caller's transaction (the edit's). */
export async function enqueueTextDiffs(tx: EntityManager, letterId: string, language: Language): Promise<void> {
  // One named queue: the diffs go one at a time (the thread computes one at a time anyway), so
  // however many texts are edited at once they hold one place of the slow runner, not all of them.
  await enqueue(tx, TASK_TEXT_DIFFS, { letterId, language } satisfies TextDiffsJob, {
    jobKey: jobKey(letterId, language),
    maxAttempts: 5,
    queueName: TASK_TEXT_DIFFS,
  });
}

/** What the two versions' words were, as a digest: a stored diff is valid for exactly these texts. */
export function digestOf(before: TextVersion, after: TextVersion): string {
  const h = crypto.createHash('sha256');
  for (const s of [before.title, before.body, after.title, after.body])
    h.update(String(Buffer.byteLength(s)))
      .update(':')
      .update(s);
  return h.digest('base64url');
}

export type StoredDiff =
  | { state: 'compared'; title: DiffPart[]; body: DiffPart[]; stats: { added: number; removed: number } }
  | { state: 'too-different' }
  | { state: 'pending' };

interface DiffRow {
  digest: string;
  outcome: 'compared' | 'too-different';
  parts: { title: DiffPart[]; body: DiffPart[] } | null;
  added: number;
  removed: number;
}

/** The stored diff of two versions of a text, or `pending` while the job has not compared them yet. It computes nothing. */
export async function storedDiff(
  db: DataSource,
  letterId: string,
  before: TextVersion,
  after: TextVersion,
): Promise<StoredDiff> {
  const [row] = await db.query<DiffRow[]>(
    `SELECT digest, outcome, parts, added, removed FROM text_diffs
      WHERE letter_id = $1 AND language = $2 AND from_version = $3 AND to_version = $4`,
    [letterId, after.language, before.version, after.version],
  );
  if (!row || row.digest !== digestOf(before, after)) return { state: 'pending' };
  if (row.outcome === 'too-different' || !row.parts) return { state: 'too-different' };
  return {
    state: 'compared',
    title: row.parts.title,
    body: row.parts.body,
    stats: { added: row.added, removed: row.removed },
  };
}

/**
 * The job: compares every pair of versions of one text (an earlier one with a later one) that has
 * no diff for its current words yet, in a thread of its own (diff-thread.ts), and stores each.
 * A version saved makes one new pair with each earlier version; the others are already stored.
 */
export async function computeTextDiffs(ctx: AppContext, job: TextDiffsJob): Promise<number> {
  let letter;
  try {
    letter = await findLetterById(ctx.db, job.letterId);
  } catch (err) {
    if (err instanceof NotFound) return 0;
    throw err;
  }
  // When the words were read: a job that read older words (an edit came in while it ran) does not
  // overwrite what a later job stored.
  const [{ readAt }] = await ctx.db.query<Array<{ readAt: Date }>>(`SELECT clock_timestamp() AS "readAt"`);
  const versions = await listTextVersions(ctx.db, letter, job.language);
  const stored = await ctx.db.query<Array<{ from_version: number; to_version: number; digest: string }>>(
    `SELECT from_version, to_version, digest FROM text_diffs WHERE letter_id = $1 AND language = $2`,
    [letter.id, job.language],
  );
  const have = new Map(stored.map((r) => [`${r.from_version}:${r.to_version}`, r.digest]));
  const pairs: Array<{ before: TextVersion; after: TextVersion; digest: string }> = [];
  for (const [i, after] of versions.entries()) {
    for (const before of versions.slice(0, i)) {
      const digest = digestOf(before, after);
      if (have.get(`${before.version}:${after.version}`) !== digest) pairs.push({ before, after, digest });
    }
  }
  if (!pairs.length) return 0;
  // One thread for the job; each pair is stored as soon as it is compared.
  await withDiffThread(async (diff) => {
    for (const { before, after, digest } of pairs) {
      const title = await diff({ before: before.title, after: after.title });
      const body = title && (await diff({ before: before.body, after: after.body }));
      const compared = title && body ? { title, body } : null;
      const stats = compared ? diffStats([...compared.title, ...compared.body]) : { added: 0, removed: 0 };
      await ctx.db.query(
        `INSERT INTO text_diffs (letter_id, language, from_version, to_version, digest, outcome, parts, added, removed, computed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8, $9, $10)
         ON CONFLICT (letter_id, language, from_version, to_version) DO UPDATE
           SET digest = excluded.digest, outcome = excluded.outcome, parts = excluded.parts,
               added = excluded.added, removed = excluded.removed, computed_at = excluded.computed_at
           WHERE text_diffs.computed_at <= excluded.computed_at`,
        [
          letter.id,
          job.language,
          before.version,
          after.version,
          digest,
          compared ? 'compared' : 'too-different',
          compared ? JSON.stringify(compared) : null,
          stats.added,
          stats.removed,
          readAt,
        ],
      );
    }
  });
  ctx.log.info({ letterId: letter.id, language: job.language, compared: pairs.length }, 'text diffs stored');
  return pairs.length;
}
