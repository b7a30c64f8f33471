import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../platform/web/languages';
import { isPermanentRecipientFailure } from '../../platform/mail/bounce';
import type { Mailer } from '../../platform/mail/mailer';
import { tFor } from '../../platform/web/i18n';
import { hashToken } from '../../core/tokens';
import { MY_SIGNATURES_LINK_TTL_HOURS, type MySignaturesEmailJob } from './my-signatures.service';

/**
 * Sends the "my signatures" link, in the language of the page it was asked from. The token is made
 * here (the job's payload names only the request), in the statement that decides whether the
 * address has any signature, pending or confirmed, on this site: if not, nothing is sent and the
 * request is deleted, and the person who asked saw the same page either way. A retry after an SMTP
 * failure makes a fresh token; the link starts its 24 hours when it is made.
 */
export async function sendMySignaturesLink(ctx: AppContext, mailer: Mailer, job: MySignaturesEmailJob): Promise<void> {
  const raw = crypto.randomBytes(32).toString('base64url');
  const [row] = await ctx.db.query<Array<{ email: string; language: Language; has_any: boolean }>>(
    `WITH l AS (
       SELECT id, email, email_normalised, language FROM my_signatures_links
        WHERE id = $1 AND sent_at IS NULL AND email IS NOT NULL
     ), has AS (
       SELECT EXISTS (
         SELECT 1 FROM signatures s WHERE s.email_normalised = (SELECT email_normalised FROM l) AND s.status IN ('pending', 'confirmed')
       ) AS found
     ), tok AS (
       INSERT INTO tokens (token_hash, purpose, expires_at)
       SELECT $2, 'my-signatures', now() + $3 * interval '1 hour' FROM l WHERE (SELECT found FROM has)
       RETURNING id, expires_at
     ), upd AS (
       UPDATE my_signatures_links m SET token_id = tok.id, expires_at = tok.expires_at FROM tok WHERE m.id = $1
     ), gone AS (
       DELETE FROM my_signatures_links WHERE id = (SELECT id FROM l) AND NOT (SELECT found FROM has)
     )
     SELECT l.email, l.language, (SELECT found FROM has) AS has_any FROM l`,
    [job.linkId, hashToken(raw), MY_SIGNATURES_LINK_TTL_HOURS],
  );
  if (!row) return; // sent already, or swept
  if (!row.has_any) {
    ctx.log.info({ linkId: job.linkId }, 'my-signatures link: nothing to show, no email');
    return;
  }
  try {
    // No name and no letter in it: the page behind the link shows them to whoever holds the mailbox.
    await mailer.send(row.email, row.language, {
      template: 'my-signatures',
      subject: tFor(row.language)('mySignatures.email.subject'),
      locals: {
        url: `${ctx.config.BASE_URL}/my-signatures/${raw}?lang=${row.language}`,
        expiresHours: MY_SIGNATURES_LINK_TTL_HOURS,
      },
    });
  } catch (err) {
    if (!isPermanentRecipientFailure(err)) throw err; // temporary: the queue retries with backoff
    await ctx.db.query(`DELETE FROM my_signatures_links WHERE id = $1`, [job.linkId]);
    return;
  }
  // Sent: the address as typed is needed no more.
  await ctx.db.query(`UPDATE my_signatures_links SET sent_at = now(), email = NULL WHERE id = $1`, [job.linkId]);
  ctx.log.info({ linkId: job.linkId }, 'my-signatures link sent');
}
