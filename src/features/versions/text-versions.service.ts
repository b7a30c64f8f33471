import type { DataSource, EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { LetterTextVersion } from '../../core/letters/letter-text-version.entity';
import type { LetterTranslation } from '../../core/letters/letter-translation.entity';
import { enqueue } from '../../platform/mail/queue';
import { enqueueTextDiffs } from './text-diffs.service';
import { TASK_TEXT_CHANGE_EMAIL, TASK_TEXT_CHANGE_FANOUT, type TextChangeFanoutJob } from './versions.queue';

/** Recipients queued per transaction, as for updates: a big letter makes many short transactions. */
export const FANOUT_BATCH = 500;

/** Signatures under a text: its letter, language and version (any status: a pending one confirms later). */
async function anySignatureUnder(
  tx: EntityManager,
  letterId: string,
  language: Language,
  version: number,
): Promise<boolean> {
  const [row] = await tx.query<Array<{ found: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM signatures WHERE letter_id = $1 AND text_language = $2 AND text_version = $3) AS found`,
    [letterId, language, version],
  );
  return !!row?.found;
}

/** What saving new words over a translation does to its version number. */
export interface VersionDecision {
  version: number;
  versionAt: Date;
  /** Set when the text changed: the new number, and whether the words people signed were kept as a version. */
  change: { language: Language; version: number; kept: boolean } | null;
}

async function keepWords(tx: EntityManager, current: LetterTranslation): Promise<LetterTextVersion> {
  return tx.getRepository(LetterTextVersion).save({
    letterId: current.letterId,
    language: current.language,
    version: current.textVersion,
    title: current.title,
    body: current.body,
    publishedAt: current.textVersionAt,
  });
}

/**
 * Called in the transaction that saves an edit, with the translation as stored (locked) and the
 * words about to replace it. A change of title or body to a text that people signed keeps the old
 * words as a version, gives the translation the next number, and queues the notice to its signers
 * who asked for updates, in the same transaction. A typo fix counts too: no machine can tell a
 * typo from a change of meaning. A text nobody signed yet is changed in place.
 */
export async function versionForEdit(
  tx: EntityManager,
  current: LetterTranslation,
  next: { title: string; body: string },
): Promise<VersionDecision> {
  if (next.title === current.title && next.body === current.body) {
    return { version: current.textVersion, versionAt: current.textVersionAt, change: null };
  }
  if (!(await anySignatureUnder(tx, current.letterId, current.language, current.textVersion))) {
    // Changed in place: its diffs with the earlier versions are made again.
    if (current.textVersion > 1) await enqueueTextDiffs(tx, current.letterId, current.language);
    return {
      version: current.textVersion,
      versionAt: new Date(),
      change: { language: current.language, version: current.textVersion, kept: false },
    };
  }
  const kept = await keepWords(tx, current);
  await enqueue(tx, TASK_TEXT_CHANGE_FANOUT, { id: kept.id } satisfies TextChangeFanoutJob, { maxAttempts: 10 });
  // The diffs of the new words with every earlier version, before anyone opens the email's link.
  await enqueueTextDiffs(tx, current.letterId, current.language);
  const version = current.textVersion + 1;
  return { version, versionAt: new Date(), change: { language: current.language, version, kept: true } };
}

/** A translation an owner removes: the words people signed under it stay readable. */
export async function keepRemovedText(tx: EntityManager, current: LetterTranslation): Promise<void> {
  if (await anySignatureUnder(tx, current.letterId, current.language, current.textVersion))
    await keepWords(tx, current);
}

/**
 * The number a new translation starts at: after any version that language had before it was
 * removed (and then its diffs with those versions are queued).
 */
export async function firstVersionNumber(tx: EntityManager, letterId: string, language: Language): Promise<number> {
  const [row] = await tx.query<Array<{ max: number | null }>>(
    `SELECT max(version) AS max FROM letter_text_versions WHERE letter_id = $1 AND language = $2`,
    [letterId, language],
  );
  if (row?.max) await enqueueTextDiffs(tx, letterId, language);
  return (row?.max ?? 0) + 1;
}

const COUNTED = `s.status = 'confirmed' AND s.held_reason IS NULL`;

/** Per language, how many counted signatures are under the current text (the editor says so before a change). */
export async function signersOfCurrentText(
  db: DataSource | EntityManager,
  letter: Letter,
): Promise<Partial<Record<Language, number>>> {
  const rows = await db.query<Array<{ language: Language; version: number; n: string }>>(
    `SELECT s.text_language AS language, s.text_version AS version, count(*) AS n FROM signatures s
      WHERE s.letter_id = $1 AND ${COUNTED} AND s.text_language IS NOT NULL GROUP BY 1, 2`,
    [letter.id],
  );
  const out: Partial<Record<Language, number>> = {};
  for (const t of letter.translations) {
    out[t.language] = Number(rows.find((r) => r.language === t.language && r.version === t.textVersion)?.n ?? 0);
  }
  return out;
}

export interface ChangeNotice {
  changedAt: Date;
  /** Counted signatures under an earlier version of this language's text. */
  earlier: number;
  from: number;
  to: number;
}

/** "This text was changed on <date>; <N> people signed an earlier version", or null for a text never changed. */
export async function changeNotice(db: DataSource, translation: LetterTranslation): Promise<ChangeNotice | null> {
  if (translation.textVersion <= 1) return null;
  const [row] = await db.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM signatures s WHERE s.letter_id = $1 AND s.text_language = $2 AND s.text_version < $3 AND ${COUNTED}`,
    [translation.letterId, translation.language, translation.textVersion],
  );
  return {
    changedAt: translation.textVersionAt,
    earlier: Number(row?.n ?? 0),
    from: translation.textVersion - 1,
    to: translation.textVersion,
  };
}

/** Who is told of a change by email: counted signers of an earlier version of that text who asked for updates. */
const RECIPIENTS = `s.letter_id = $1 AND s.text_language = $2 AND s.text_version <= $3 AND s.wants_updates AND ${COUNTED}`;

/**
 * Queues one email per recipient of a change notice, FANOUT_BATCH at a time, each batch in its own
 * short transaction that also moves the cursor (as updates do): a worker that dies half-way
 * resumes after the last signer queued, so nobody is mailed twice or skipped.
 */
export async function fanOutTextChange(
  ctx: AppContext,
  job: TextChangeFanoutJob,
  batchSize = FANOUT_BATCH,
): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await ctx.db.transaction(async (tx) => {
      const change = await tx
        .getRepository(LetterTextVersion)
        .createQueryBuilder('v')
        .setLock('pessimistic_write')
        .where('v.id = :id', { id: job.id })
        .getOne();
      if (!change || change.notifiedAt) return true;
      const rows = await tx.query<Array<{ id: string }>>(
        `SELECT s.id, graphile_worker.add_job($6, json_build_object('id', $7::text, 'signatureId', s.id), max_attempts => 10)
           FROM (SELECT s.id FROM signatures s WHERE ${RECIPIENTS} AND ($4::uuid IS NULL OR s.id > $4::uuid)
                 ORDER BY s.id LIMIT $5) s
          ORDER BY s.id`,
        [
          change.letterId,
          change.language,
          change.version,
          change.fanoutCursor,
          batchSize,
          TASK_TEXT_CHANGE_EMAIL,
          change.id,
        ],
      );
      const finished = rows.length < batchSize;
      await tx.update(
        LetterTextVersion,
        { id: change.id },
        {
          fanoutCursor: rows[rows.length - 1]?.id ?? change.fanoutCursor,
          recipients: () => `recipients + ${rows.length}`,
          ...(finished ? { notifiedAt: () => 'now()' } : {}),
        },
      );
      total += rows.length;
      return finished;
    });
    if (done) break;
  }
  ctx.log.info({ changeId: job.id, queued: total }, 'text change notice fan-out done');
  return total;
}
