import type { AppContext } from '../context';
import { chooseTranslation, findLetterById } from '../letters/letters.service';
import { Signature } from './signature.entity';
import { issueSignatureTokens, WITHDRAW_TOKEN_TTL_HOURS } from './tokens';
import { isPermanentRecipientFailure } from '../mail/bounce';
import type { Mailer } from '../mail/mailer';
import type { SignatureEmailJob } from '../mail/queue';

/**
 * Sends one signature email. Tokens are made here rather than at signing, so the job payload
 * (stored in PostgreSQL until sent) never holds a working link. A retry after an SMTP failure
 * makes fresh tokens; the unused ones expire.
 */
export async function sendSignatureEmail(ctx: AppContext, mailer: Mailer, job: SignatureEmailJob): Promise<void> {
  const sig = await ctx.db.getRepository(Signature).findOneBy({ id: job.signatureId });
  if (!sig) return; // withdrawn since: nothing to send, nobody to send it to
  const to = sig.email;
  if (!to) return; // address erased after the retention period
  const wantsConfirm = job.kind === 'confirm' || job.kind === 'reminder';
  if (wantsConfirm && sig.status !== 'pending') return; // confirmed before the reminder fell due
  if (!wantsConfirm && sig.status !== 'confirmed') return;

  const letter = await findLetterById(ctx.db, sig.letterId);
  const translation = chooseTranslation(letter.translations, letter.defaultLanguage, [sig.language]);
  const base = ctx.config.BASE_URL;
  const withdraw = { purpose: 'withdraw' as const, ttlHours: WITHDRAW_TOKEN_TTL_HOURS };
  const [withdrawToken, confirmToken = null] = await issueSignatureTokens(
    ctx.db,
    sig.id,
    wantsConfirm ? [withdraw, { purpose: 'confirm', ttlHours: ctx.config.CONFIRM_TOKEN_TTL_HOURS }] : [withdraw],
  );
  const links = {
    letter: { title: translation.title, url: `${base}/letters/${letter.slug}?lang=${translation.language}` },
    withdrawUrl: `${base}/s/withdraw/${withdrawToken}`,
  };
  const common = { name: sig.fullName, ...links };
  if (confirmToken) {
    // The link opens a page that shows the name and asks for a press of a button to confirm.
    try {
      await mailer.confirmSignature(to, sig.language, {
        ...links,
        confirmUrl: `${base}/s/confirm/${confirmToken}`,
        expiresHours: ctx.config.CONFIRM_TOKEN_TTL_HOURS,
        reminder: job.kind === 'reminder',
      });
    } catch (err) {
      if (!isPermanentRecipientFailure(err)) throw err; // temporary: the queue retries with backoff
      await markBounced(ctx, sig.id);
      return;
    }
  } else if (job.kind === 'already-signed') {
    await mailer.alreadySigned(to, sig.language, common);
  } else {
    await mailer.manageSignature(to, sig.language, common);
  }
  ctx.log.info({ signatureId: sig.id, kind: job.kind }, 'signature email sent');
}

/**
 * The signer's mail server refused the address for good: the signature can never be confirmed or
 * counted. Only a pending one changes (a click on an earlier email may have confirmed it). The job
 * ends here, with no retry and no error stored in the queue.
 */
async function markBounced(ctx: AppContext, signatureId: string): Promise<void> {
  const [, changed] = await ctx.db.query<[unknown, number]>(
    `UPDATE signatures SET status = 'bounced', bounced_at = now() WHERE id = $1 AND status = 'pending'`,
    [signatureId],
  );
  ctx.log.info({ signatureId, changed: changed > 0 }, 'confirmation email bounced: signature marked bounced');
}
