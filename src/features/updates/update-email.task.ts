import type { AppContext } from '../../platform/context';
import { chooseTranslation, findLetterById } from '../../core/letters/letters.service';
import { renderEmailMarkdown } from '../../core/letters/rendering';
import type { Mailer } from '../../platform/mail/mailer';
import { mySignaturesUrl, Signature } from '../signatures';
import { letterUpdateEmail, officialResponseEmail } from './emails';
import { issueSignatureTokens, WITHDRAW_TOKEN_TTL_HOURS } from '../../core/tokens';
import { formatDate } from '../../platform/web/i18n';
import { LetterResponse } from './letter-response.entity';
import { LetterUpdate, LetterUpdateVersion } from './letter-update.entity';
import { alreadyDelivered, recordDelivery } from './update-stats';
import { isPermanentRecipientFailure } from '../../platform/mail/bounce';
import { UNSUBSCRIBE_TOKEN_TTL_HOURS } from './unsubscribe.service';
import type { UpdateEmailJob } from './updates.queue';
import { responseBodyHtml } from './updates.service';

/**
 * Sends one update (or the official response) to one signer, in the signer's language (an
 * update's version in it, or the default language's when it has none). The
 * signer is checked again here: someone who unsubscribed or withdrew after the fan-out gets
 * nothing. Tokens are made now, so no queued payload holds a working link. The text loads nothing
 * from another host: Markdown images become links, and a response posted through a recipient
 * link is plain paragraphs.
 */
export async function sendUpdateEmail(ctx: AppContext, mailer: Mailer, job: UpdateEmailJob): Promise<void> {
  const sig = await ctx.db.getRepository(Signature).findOneBy({ id: job.signatureId });
  if (!sig || sig.status !== 'confirmed' || sig.heldReason || !sig.wantsUpdates || !sig.email) return;
  // A retried or repeated job: this update already went to (or bounced for) this signer.
  if (job.kind === 'update' && (await alreadyDelivered(ctx.db, job.id, sig.id))) return;
  const letter = await findLetterById(ctx.db, sig.letterId);
  const translation = chooseTranslation(letter.translations, letter.defaultLanguage, [sig.language]);
  const base = ctx.config.BASE_URL;
  const [unsubscribeToken, withdrawToken] = await issueSignatureTokens(ctx.db, sig.id, [
    { purpose: 'unsubscribe', ttlHours: UNSUBSCRIBE_TOKEN_TTL_HOURS },
    { purpose: 'withdraw', ttlHours: WITHDRAW_TOKEN_TTL_HOURS },
  ]);
  const common = {
    name: sig.fullName,
    letter: { title: translation.title, url: `${base}/letters/${letter.slug}?lang=${translation.language}` },
    unsubscribeUrl: `${base}/u/${unsubscribeToken}`,
    withdrawUrl: `${base}/s/withdraw/${withdrawToken}`,
    mySignaturesUrl: mySignaturesUrl(base, sig.language),
  };
  if (job.kind === 'update') {
    const update = await ctx.db.getRepository(LetterUpdate).findOneBy({ id: job.id });
    if (!update || update.cancelledAt) return;
    // Its own version in the signer's language, else the one in the update's own language.
    const version =
      update.language === sig.language
        ? null
        : await ctx.db.getRepository(LetterUpdateVersion).findOneBy({ updateId: update.id, language: sig.language });
    const text = version ?? update;
    const message = letterUpdateEmail({
      ...common,
      updateId: update.id,
      version: version?.language ?? update.language,
      subject: text.subject,
      bodyHtml: renderEmailMarkdown(text.bodyMarkdown),
      bodyText: text.bodyMarkdown,
    });
    try {
      await mailer.sendShared(sig.email, sig.language, message);
    } catch (err) {
      if (!isPermanentRecipientFailure(err)) throw err; // temporary: the queue retries with backoff
      await recordDelivery(ctx.db, update.id, sig.id, version?.language ?? update.language, 'bounced');
      ctx.log.info({ signatureId: sig.id, updateId: update.id }, 'update email bounced');
      return;
    }
    await recordDelivery(ctx.db, update.id, sig.id, version?.language ?? update.language, 'sent');
  } else {
    const response = await ctx.db.getRepository(LetterResponse).findOneBy({ id: job.id });
    if (!response || response.status !== 'published') return;
    const message = officialResponseEmail(sig.language, {
      ...common,
      date: formatDate(new Date(`${response.respondedOn}T00:00:00Z`), sig.language),
      bodyHtml: responseBodyHtml(response, true),
      bodyText: response.body,
      link: response.link,
    });
    await mailer.send(sig.email, sig.language, message);
  }
  ctx.log.info({ signatureId: sig.id, kind: job.kind, id: job.id }, 'update email sent');
}
