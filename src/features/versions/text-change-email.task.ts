import type { AppContext } from '../../platform/context';
import { LetterTextVersion } from '../../core/letters/letter-text-version.entity';
import { chooseTranslation, findLetterById } from '../../core/letters/letters.service';
import { listUnsubscribe, type Mailer } from '../../platform/mail/mailer';
import { issueSignatureTokens, WITHDRAW_TOKEN_TTL_HOURS } from '../../core/tokens';
import { mySignaturesUrl, Signature } from '../signatures';
import { formatDate, tFor } from '../../platform/web/i18n';
import type { TextChangeEmailJob } from './versions.queue';

/** As long as the unsubscribe links in updates' emails (the /u/ page is updates'; the token is a signature's). */
const UNSUBSCRIBE_TOKEN_TTL_HOURS = 24 * 365 * 2;

/**
 * Tells one signer that the text they signed was changed: the link to the differences between
 * their version and the new one, and the link to withdraw (its page asks before it does anything).
 * The signer is checked again now: someone who withdrew or unsubscribed meanwhile gets nothing.
 */
export async function sendTextChangeEmail(ctx: AppContext, mailer: Mailer, job: TextChangeEmailJob): Promise<void> {
  const sig = await ctx.db.getRepository(Signature).findOneBy({ id: job.signatureId });
  if (
    !sig ||
    sig.status !== 'confirmed' ||
    sig.heldReason ||
    !sig.wantsUpdates ||
    !sig.email ||
    !sig.textLanguage ||
    !sig.textVersion
  )
    return;
  const change = await ctx.db.getRepository(LetterTextVersion).findOneBy({ id: job.id });
  if (
    !change ||
    sig.letterId !== change.letterId ||
    sig.textLanguage !== change.language ||
    sig.textVersion > change.version
  )
    return;
  const letter = await findLetterById(ctx.db, sig.letterId);
  const shown = chooseTranslation(letter.translations, letter.defaultLanguage, [change.language]);
  const base = ctx.config.BASE_URL;
  const [unsubscribeToken, withdrawToken] = await issueSignatureTokens(ctx.db, sig.id, [
    { purpose: 'unsubscribe', ttlHours: UNSUBSCRIBE_TOKEN_TTL_HOURS },
    { purpose: 'withdraw', ttlHours: WITHDRAW_TOKEN_TTL_HOURS },
  ]);
  const to = change.version + 1;
  const unsubscribeUrl = `${base}/u/${unsubscribeToken}`;
  await mailer.send(sig.email, sig.language, {
    template: 'text-changed',
    subject: tFor(sig.language)('versions.email.subject', { title: shown.title }),
    headers: listUnsubscribe(unsubscribeUrl),
    locals: {
      name: sig.fullName,
      letter: { title: shown.title, url: `${base}/letters/${letter.slug}?lang=${change.language}` },
      changedOn: formatDate(change.replacedAt, sig.language),
      signedVersion: sig.textVersion,
      newVersion: to,
      diffUrl: `${base}/letters/${letter.slug}/diff?lang=${change.language}&from=${sig.textVersion}&to=${to}`,
      unsubscribeUrl,
      withdrawUrl: `${base}/s/withdraw/${withdrawToken}`,
      mySignaturesUrl: mySignaturesUrl(base, sig.language),
    },
  });
  ctx.log.info({ signatureId: sig.id, changeId: change.id }, 'text change email sent');
}
