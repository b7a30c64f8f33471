import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import { enqueue } from '../../platform/mail/queue';
import { AppError, NotFound } from '../../platform/web/errors';
import { LetterResponse, type AnswerKind } from './letter-response.entity';
import { attachToResponse, type UploadedAttachment } from './response-attachments';
import { TASK_UPDATE_FANOUT, type FanoutJob } from './updates.queue';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 409: the response was published or rejected already; it can no longer change. */
export class ResponseDecided extends AppError {
  constructor(status: 'published' | 'rejected') {
    super(
      409,
      'response_decided',
      status === 'published' ? 'updates.errors.responsePublished' : 'updates.errors.responseRejected',
    );
  }
}

export interface HeldResponseText {
  title: string | null;
  body: string;
  /** What the answer says (a statement when the addressee does not say). */
  kind?: AnswerKind;
}

/** The response of a recipient link, if it posted one (held, published or rejected). */
export function findLinkResponse(
  db: DataSource | EntityManager,
  recipientLinkId: string,
): Promise<LetterResponse | null> {
  return db.getRepository(LetterResponse).findOne({ where: { recipientLinkId }, order: { createdAt: 'DESC' } });
}

/**
 * Saves what an addressee posted through their link, held for the owners: nothing is shown or
 * mailed, and no webhook fires (the trigger waits for `published`). One response per link: the
 * first post makes it, the next ones edit it while it is held (a new PDF replaces the old one;
 * none keeps it); once published or rejected it is refused. `tx` is the caller's transaction,
 * which holds the link's row lock, so two posts of one link cannot both make one.
 */
export async function saveHeldResponse(
  tx: EntityManager,
  letterId: string,
  recipientLinkId: string,
  text: HeldResponseText,
  attachment: UploadedAttachment | null,
): Promise<{ response: LetterResponse; edited: boolean }> {
  const existing = await findLinkResponse(tx, recipientLinkId);
  if (existing && existing.status !== 'pending') throw new ResponseDecided(existing.status);
  const today = new Date().toISOString().slice(0, 10);
  const fields = {
    title: text.title,
    body: text.body,
    answerKind: text.kind ?? 'statement',
    respondedOn: today,
    ...(attachment ? { attachmentName: attachment.name, attachmentBytes: attachment.bytes } : {}),
  };
  let response: LetterResponse;
  if (existing) {
    await tx.update(LetterResponse, { id: existing.id }, fields);
    response = { ...existing, ...fields };
    // The old PDF's large object goes with its row (a trigger unlinks it).
    if (attachment) await tx.query(`DELETE FROM letter_response_attachments WHERE response_id = $1`, [existing.id]);
  } else {
    response = await tx.save(
      tx.create(LetterResponse, {
        letterId,
        link: null,
        createdBy: null,
        receivedVia: 'recipient-link',
        recipientLinkId,
        status: 'pending',
        ...fields,
      }),
    );
  }
  if (attachment) await attachToResponse(tx, response.id, attachment);
  return { response, edited: !!existing };
}

/** The responses posted through the letter's recipient links, newest first, for its owners. */
export function listLinkResponses(db: DataSource | EntityManager, letterId: string): Promise<LetterResponse[]> {
  return db
    .getRepository(LetterResponse)
    .createQueryBuilder('r')
    .where('r.letter_id = :letterId AND r.recipient_link_id IS NOT NULL', { letterId })
    .orderBy('r.created_at', 'DESC')
    .getMany();
}

export type HeldDecision = 'publish' | 'reject' | 'title';

/**
 * An owner's decision on a held response, with its audit row, in one transaction: a new title
 * (it stays held); publishing (with that title), which makes it public and queues the fan-out to
 * the signers who asked for updates, as for a response an owner records; or rejecting it, which
 * leaves nothing public. A response already decided is refused (409).
 */
export async function decideHeldResponse(
  ctx: AppContext,
  letterId: string,
  responseId: string,
  decision: HeldDecision,
  title: string | null,
  actor: AuditActor,
): Promise<LetterResponse> {
  if (!UUID.test(responseId)) throw new NotFound();
  return ctx.db.transaction(async (tx) => {
    const response = await tx
      .getRepository(LetterResponse)
      .createQueryBuilder('r')
      .setLock('pessimistic_write')
      .where('r.id = :responseId AND r.letter_id = :letterId AND r.recipient_link_id IS NOT NULL', {
        responseId,
        letterId,
      })
      .getOne();
    if (!response) throw new NotFound();
    if (response.status !== 'pending') throw new ResponseDecided(response.status);
    const detail = { responseId, recipientLinkId: response.recipientLinkId };
    if (decision === 'title') {
      await tx.update(LetterResponse, { id: responseId }, { title });
      await recordAudit(tx, {
        letterId,
        actor,
        kind: 'updates.response-retitled',
        detail,
        erasable: { from: response.title ?? '', title: title ?? '' },
      });
      return { ...response, title };
    }
    if (decision === 'reject') {
      await tx.update(LetterResponse, { id: responseId }, { status: 'rejected', decidedAt: () => 'now()' });
      await recordAudit(tx, { letterId, actor, kind: 'updates.response-rejected', detail });
      ctx.log.info({ letterId, responseId }, 'held response rejected');
      return { ...response, status: 'rejected' };
    }
    await tx.update(
      LetterResponse,
      { id: responseId },
      { status: 'published', title, publishedAt: () => 'now()', decidedAt: () => 'now()' },
    );
    await enqueue(tx, TASK_UPDATE_FANOUT, { kind: 'response', id: responseId } satisfies FanoutJob, {
      maxAttempts: 10,
    });
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'updates.response-published',
      detail: { ...detail, respondedOn: response.respondedOn },
      erasable: { title: title ?? '' },
    });
    ctx.log.info({ letterId, responseId }, 'held response published');
    return { ...response, status: 'published', title };
  });
}
