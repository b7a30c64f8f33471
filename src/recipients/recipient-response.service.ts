import type { AppContext } from '../context';
import { findLetterById } from '../letters/letters.service';
import { recordOfficialResponse, type LetterResponse, type UploadedAttachment } from '../updates';
import type { RecipientLink } from './recipient-link.entity';
import { recordLinkEvent } from './recipient-links.service';
import type { RecipientResponseForm } from './recipients.schema';

/**
 * The addressee answers through their link: the response is recorded as an organiser's would be
 * (shown on the letter page, mailed to the signers who asked for updates, in the audit trail),
 * marked as received through this link on this day, with its PDF if any (already streamed into a
 * staged large object, which the response takes over). The link's own record
 * lands in the same transaction.
 */
export async function postRecipientResponse(
  ctx: AppContext,
  link: RecipientLink,
  form: RecipientResponseForm,
  attachment: UploadedAttachment | null,
): Promise<LetterResponse> {
  const letter = await findLetterById(ctx.db, link.letterId);
  return recordOfficialResponse(ctx, letter, { respondedOn: new Date().toISOString().slice(0, 10), body: form.body, link: null }, null, {
    recipientLinkId: link.id,
    attachment,
    alsoInTransaction: (tx) => recordLinkEvent(tx, link, 'response'),
  });
}
