import type { AppContext } from '../../platform/context';
import type { Mailer } from '../../platform/mail/mailer';
import { isLanguage, tFor } from '../../platform/web/i18n';
import { normaliseOrganiserEmail, Organiser } from './organiser.entity';
import { issueSignInToken, SIGN_IN_TOKEN_MINUTES, type SignInEmailJob } from './sign-in.service';

/**
 * Sends a sign-in link when the address asked for is an organiser's; for any other address it does
 * nothing (the request that queued the job looked the same either way). A retry after an SMTP
 * failure makes a fresh token; the unused one expires.
 */
export async function sendSignInEmail(ctx: AppContext, mailer: Mailer, job: SignInEmailJob): Promise<void> {
  const repo = ctx.db.getRepository(Organiser);
  const organiser = job.email
    ? await repo.findOneBy({ email: normaliseOrganiserEmail(job.email) })
    : job.organiserId
      ? await repo.findOneBy({ id: job.organiserId })
      : null;
  if (!organiser) return; // not an organiser's address (or the account was removed since): nobody to send it to
  const token = await issueSignInToken(ctx, organiser.id);
  const lang = isLanguage(job.language) ? job.language : 'en';
  await mailer.send(organiser.email, lang, {
    template: 'organiser-sign-in',
    subject: tFor(lang)('organisers.email.signIn.subject'),
    locals: {
      name: organiser.name,
      signInUrl: `${ctx.config.BASE_URL}/login/${token}`,
      expiresMinutes: SIGN_IN_TOKEN_MINUTES,
    },
  });
  ctx.log.info({ organiserId: organiser.id }, 'sign-in email sent');
}
