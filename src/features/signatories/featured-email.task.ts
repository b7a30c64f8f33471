import type { AppContext } from '../../platform/context';
import type { Language } from '../../core/letters/letter.entity';
import { chooseTranslation, findRecentLetter } from '../../core/letters/letters.service';
import { issueSignatureTokens, WITHDRAW_TOKEN_TTL_HOURS } from '../../core/tokens';
import { isPermanentRecipientFailure } from '../../platform/mail/bounce';
import type { Mailer, Message } from '../../platform/mail/mailer';
import { tFor } from '../../platform/web/i18n';
import { mySignaturesUrl } from '../signatures';
import type { FeaturedEmailJob } from './notable.service';

/** A signer featured again within this many days of being told is not told again. */
export const FEATURED_EMAIL_ONCE_DAYS = 90;

/** The email to a signer the owners featured: what they wrote, and the way out of the feature. */
export function featuredEmail(
  lang: Language,
  p: {
    name: string;
    letter: { title: string; url: string };
    description: string;
    unfeatureUrl: string;
    withdrawUrl: string;
    mySignaturesUrl: string;
  },
): Message {
  return {
    template: 'featured-signatory',
    subject: tFor(lang)('signatories.notable.email.subject', { title: p.letter.title }),
    locals: p,
  };
}

/**
 * Tells a featured signer, in the language they signed in. Tokens are made here, not when the
 * owner featured them, so the job's payload holds no working link. Nothing is sent when the
 * feature has ended since (the owner took it back, the signer left it or withdrew), or when the
 * address is gone (erased by retention, or a paper signature that never had one).
 */
export async function sendFeaturedEmail(ctx: AppContext, mailer: Mailer, job: FeaturedEmailJob): Promise<void> {
  const [sig] = await ctx.db.query<
    Array<{ id: string; email: string; full_name: string; language: Language; description: string }>
  >(
    `SELECT s.id, s.email, s.full_name, s.language, f.description
       FROM featured_signatories f JOIN signatures s ON s.id = f.signature_id
      WHERE f.signature_id = $1 AND f.letter_id = $2 AND f.withdrawn_at IS NULL
        AND s.status = 'confirmed' AND coalesce(s.email, '') <> ''`,
    [job.signatureId, job.letterId],
  );
  if (!sig) return;
  // Featured, taken off and featured again: the signer was told once, and that link still works
  // (it ends whatever feature the signature has), so an owner's clicks never become a stream of mail.
  const [told] = await ctx.db.query<Array<{ one: number }>>(
    `SELECT 1 AS one FROM tokens WHERE signature_id = $1 AND purpose = 'unfeature' AND expires_at > now()
        AND created_at > now() - make_interval(days => $2) LIMIT 1`,
    [sig.id, FEATURED_EMAIL_ONCE_DAYS],
  );
  if (told) return;
  const [unfeatureToken, withdrawToken] = await issueSignatureTokens(ctx.db, sig.id, [
    { purpose: 'unfeature', ttlHours: WITHDRAW_TOKEN_TTL_HOURS },
    { purpose: 'withdraw', ttlHours: WITHDRAW_TOKEN_TTL_HOURS },
  ]);
  const letter = await findRecentLetter(ctx.db, job.letterId);
  const translation = chooseTranslation(letter.translations, letter.defaultLanguage, [sig.language]);
  const base = ctx.config.BASE_URL;
  try {
    await mailer.send(
      sig.email,
      sig.language,
      featuredEmail(sig.language, {
        name: sig.full_name,
        letter: { title: translation.title, url: `${base}/letters/${letter.slug}?lang=${translation.language}` },
        description: sig.description,
        unfeatureUrl: `${base}/s/unfeature/${unfeatureToken}?lang=${sig.language}`,
        withdrawUrl: `${base}/s/withdraw/${withdrawToken}`,
        mySignaturesUrl: mySignaturesUrl(base, sig.language),
      }),
    );
  } catch (err) {
    // An address that refuses mail for good: the feature stays, the queue does not retry.
    if (!isPermanentRecipientFailure(err)) throw err;
    ctx.log.warn({ signatureId: sig.id }, 'featured signatory email refused');
    return;
  }
  ctx.log.info({ signatureId: sig.id }, 'featured signatory email sent');
}
