import type { DataSource } from 'typeorm';
import type { AppContext } from '../../platform/context';
import { saveHeldResponse, type LetterResponse, type UploadedAttachment } from '../updates';
import type { RecipientLink } from './recipient-link.entity';
import { recordLinkEvent } from './recipient-links.service';
import type { RecipientResponseForm } from './recipients.schema';

/** How many times an hour one link may post its response form (a first post and a few corrections). */
export const RESPONSE_POSTS_PER_LINK_PER_HOUR = 5;
const WINDOW = `interval '1 hour'`;

/**
 * Counts one post of the response form against the link's hourly allowance, in one statement on
 * the link's own row (so it holds in every process, with or without Redis). Every post counts,
 * a refused one too. Null when the post may go on, else the seconds until the hour is over.
 */
export async function consumeResponseAttempt(db: DataSource, link: RecipientLink): Promise<number | null> {
  const [row] = await db.query<Array<{ attempts: number; retry: string }>>(
    `WITH counted AS (
       UPDATE recipient_links SET
          response_attempts = CASE WHEN response_attempts_since > now() - ${WINDOW} THEN response_attempts + 1 ELSE 1 END,
          response_attempts_since = CASE WHEN response_attempts_since > now() - ${WINDOW} THEN response_attempts_since ELSE now() END
        WHERE id = $1
        RETURNING response_attempts, response_attempts_since)
     SELECT response_attempts AS attempts, ceil(extract(epoch FROM response_attempts_since + ${WINDOW} - now())) AS retry FROM counted`,
    [link.id],
  );
  if (!row || row.attempts <= RESPONSE_POSTS_PER_LINK_PER_HOUR) return null;
  return Math.max(1, Number(row.retry));
}

/**
 * The addressee answers through their link: the response is held for the letter's owners (shown
 * to nobody else, mailed to nobody) until one of them publishes it. The first post makes it, the
 * next ones edit it while it is held. The link's row is locked for the transaction, so two posts
 * at once make one response; the link's own record (event and audit row) lands in it too. The PDF,
 * if any, is already streamed into a staged large object, which the response takes over.
 */
export async function postRecipientResponse(
  ctx: AppContext,
  link: RecipientLink,
  form: Omit<RecipientResponseForm, 'kind'> & Partial<Pick<RecipientResponseForm, 'kind'>>,
  attachment: UploadedAttachment | null,
): Promise<LetterResponse> {
  return ctx.db.transaction(async (tx) => {
    await tx.query(`SELECT id FROM recipient_links WHERE id = $1 FOR UPDATE`, [link.id]);
    const { response, edited } = await saveHeldResponse(
      tx,
      link.letterId,
      link.id,
      { title: form.title, body: form.body, kind: form.kind },
      attachment,
    );
    await recordLinkEvent(tx, link, edited ? 'response-edited' : 'response');
    ctx.log.info(
      { letterId: link.letterId, linkId: link.id, responseId: response.id, edited },
      'response held for the owners',
    );
    return response;
  });
}
