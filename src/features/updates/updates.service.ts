import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import { countSegmentByLanguage, EVERYONE, RECIPIENTS, segmentOf, segmentParams } from './update-segment';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { renderMarkdown } from '../../core/letters/letters.service';
import { renderEmailMarkdown, renderPlainText } from '../../core/letters/rendering';
import { enqueue } from '../../platform/mail/queue';
import { AppError } from '../../platform/web/errors';
import { LetterResponse } from './letter-response.entity';
import { findResponseAttachment } from './response-attachments';
import { LetterUpdate } from './letter-update.entity';
import type { ResponseForm } from './updates.schema';
import { TASK_UPDATE_EMAIL, TASK_UPDATE_FANOUT, type FanoutJob, type MailingKind } from './updates.queue';

/** Recipients queued per transaction: 100,000 signers make 200 short transactions, not one long one. */
export const FANOUT_BATCH = 500;

/** Every signer who asked for updates (what an official response goes to, and the editor's first figure). */
export async function countUpdateRecipients(db: DataSource | EntityManager, letterId: string): Promise<number> {
  let n = 0;
  for (const count of (await countSegmentByLanguage(db, letterId, EVERYONE)).values()) n += count;
  return n;
}

/** Only a delivered letter can have been answered: why a response cannot be recorded yet, or null. */
export function responseRefusal(letter: Pick<Letter, 'deliveredAt'>): { _form: string } | null {
  return letter.deliveredAt ? null : { _form: 'updates.errors.notDelivered' };
}

/**
 * Records an owner's official response: public at once, and its fan-out to the opted-in signers
 * queued in the same transaction. (A response posted through a recipient link is held instead:
 * held-responses.service.ts.)
 */
export async function recordOfficialResponse(
  ctx: AppContext,
  letter: Letter,
  form: ResponseForm,
  actor: AuditActor | null,
): Promise<LetterResponse> {
  if (responseRefusal(letter)) throw new AppError(422, 'not_delivered', 'updates.errors.notDelivered');
  return ctx.db.transaction(async (tx) => {
    const response = await tx.save(
      tx.create(LetterResponse, {
        letterId: letter.id,
        respondedOn: form.respondedOn,
        body: form.body,
        answerKind: form.kind,
        link: form.link,
        createdBy: actor?.id ?? null,
        receivedVia: 'organiser',
        status: 'published',
        publishedAt: new Date(),
      }),
    );
    await enqueue(tx, TASK_UPDATE_FANOUT, { kind: 'response', id: response.id } satisfies FanoutJob, {
      maxAttempts: 10,
    });
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'updates.response-recorded',
      detail: { responseId: response.id, respondedOn: form.respondedOn, answerKind: form.kind },
    });
    ctx.log.info(
      { letterId: letter.id, responseId: response.id, via: response.receivedVia },
      'official response recorded',
    );
    return response;
  });
}

/** How many of a letter's updates its page lists: a year of weekly limits would be 156 rows of figures. */
export const UPDATES_LISTED = 20;

/** A letter's latest updates, the latest to go first (scheduled ones at the top). */
export function listUpdates(db: DataSource, letterId: string): Promise<LetterUpdate[]> {
  return db
    .getRepository(LetterUpdate)
    .find({ where: { letterId }, order: { sendAt: 'DESC', createdAt: 'DESC' }, take: UPDATES_LISTED });
}

/** The published responses of a letter (never one held for the owners or rejected). */
export function listResponses(db: DataSource, letterId: string): Promise<LetterResponse[]> {
  return db
    .getRepository(LetterResponse)
    .find({ where: { letterId, status: 'published' }, order: { respondedOn: 'ASC', createdAt: 'ASC' } });
}

/**
 * A response's text as HTML: an owner's is Markdown (raw HTML off); text posted through a
 * recipient link is plain paragraphs with bare links. `forEmail`: no image either way.
 */
export function responseBodyHtml(r: Pick<LetterResponse, 'body' | 'receivedVia'>, forEmail = false): string {
  if (r.receivedVia === 'recipient-link') return renderPlainText(r.body);
  return forEmail ? renderEmailMarkdown(r.body) : renderMarkdown(r.body);
}

export interface PublicResponse {
  id: string;
  respondedOn: string;
  /** The owners' heading for it, or null for the default one. */
  title: string | null;
  bodyHtml: string;
  link: string | null;
  /** When it was posted through a recipient's link (the page says so); null when an organiser typed it in. */
  viaRecipientLinkOn: Date | null;
  attachment: { name: string; bytes: number } | null;
}

/** The published responses as the letter page shows them (responseBodyHtml). */
export async function publicResponses(db: DataSource, letterId: string): Promise<PublicResponse[]> {
  const rows = await listResponses(db, letterId);
  return rows.map((r) => ({
    id: r.id,
    respondedOn: r.respondedOn,
    title: r.title,
    bodyHtml: responseBodyHtml(r),
    link: r.link,
    viaRecipientLinkOn: r.receivedVia === 'recipient-link' ? r.createdAt : null,
    attachment:
      r.attachmentName && r.attachmentBytes !== null ? { name: r.attachmentName, bytes: r.attachmentBytes } : null,
  }));
}

/**
 * A response's PDF (where its bytes are, and what they are), if the response belongs to this
 * letter, has one, and is published (the public route); `held: true` also finds one held for the
 * owners or rejected (their own route).
 */
export async function responseAttachment(
  db: DataSource,
  letterId: string,
  responseId: string,
  opts: { held?: boolean } = {},
): Promise<{ name: string; oid: number; bytes: number; sha256: string } | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(responseId)) return null;
  const response = await db
    .getRepository(LetterResponse)
    .findOneBy({ id: responseId, letterId, ...(opts.held ? {} : { status: 'published' as const }) });
  if (!response?.attachmentName) return null;
  const file = await findResponseAttachment(db, responseId);
  return file ? { name: response.attachmentName, ...file } : null;
}

function entityFor(kind: MailingKind) {
  return kind === 'update' ? LetterUpdate : LetterResponse;
}

/**
 * Queues one email job per recipient, FANOUT_BATCH at a time, each batch in its own short
 * transaction that also moves the cursor. If the worker dies half-way, the retried job resumes
 * after the last queued signer, so nobody is mailed twice and nobody is skipped. The email job
 * checks the signer again when it runs, so an unsubscribe between fan-out and send still wins.
 */
export async function fanOut(ctx: AppContext, job: FanoutJob, batchSize = FANOUT_BATCH): Promise<number> {
  const entity = entityFor(job.kind);
  let total = 0;
  for (;;) {
    const done = await ctx.db.transaction(async (tx) => {
      const mailing = await tx
        .getRepository(entity)
        .createQueryBuilder('m')
        .setLock('pessimistic_write')
        .where('m.id = :id', { id: job.id })
        .getOne();
      // Only a published response goes out (a held or rejected one has no fan-out; this is the last
      // check), and no cancelled update (the cancel takes this row's lock too).
      if (
        !mailing ||
        mailing.sentAt ||
        (mailing instanceof LetterResponse && mailing.status !== 'published') ||
        (mailing instanceof LetterUpdate && mailing.cancelledAt)
      )
        return true;
      const segment = mailing instanceof LetterUpdate ? segmentOf(mailing) : EVERYONE;
      const rows = await tx.query<Array<{ id: string }>>(
        `SELECT s.id, graphile_worker.add_job($8, json_build_object('kind', $9::text, 'id', $10::text, 'signatureId', s.id), max_attempts => 10)
           FROM (SELECT s.id FROM signatures s WHERE ${RECIPIENTS} AND ($6::uuid IS NULL OR s.id > $6::uuid)
                 ORDER BY s.id LIMIT $7::integer) s
          ORDER BY s.id`,
        [
          ...segmentParams(mailing.letterId, segment),
          mailing.fanoutCursor,
          batchSize,
          TASK_UPDATE_EMAIL,
          job.kind,
          job.id,
        ],
      );
      const last = rows[rows.length - 1]?.id ?? mailing.fanoutCursor;
      const finished = rows.length < batchSize;
      await tx.update(
        entity,
        { id: job.id },
        {
          fanoutCursor: last,
          recipients: () => `recipients + ${rows.length}`,
          ...(finished ? { sentAt: () => 'now()' } : {}),
        },
      );
      total += rows.length;
      return finished;
    });
    if (done) break;
  }
  ctx.log.info({ kind: job.kind, id: job.id, queued: total }, 'update fan-out done');
  return total;
}
