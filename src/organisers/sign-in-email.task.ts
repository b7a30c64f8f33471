import type { AppContext } from '../context';
import type { Mailer } from '../mail/mailer';
import { isLanguage } from '../web/i18n';
import { Organiser } from './organiser.entity';
import { issueSignInToken, SIGN_IN_TOKEN_MINUTES, type SignInEmailJob } from './sign-in.service';

/** Sends a sign-in link. A retry after an SMTP failure makes a fresh token; the unused one expires. */
export async function sendSignInEmail(ctx: AppContext, mailer: Mailer, job: SignInEmailJob): Promise<void> {
  const organiser = await ctx.db.getRepository(Organiser).findOneBy({ id: job.organiserId });
  if (!organiser) return; // account removed since: nobody to send it to
  const token = await issueSignInToken(ctx, organiser.id);
  await mailer.organiserSignIn(organiser.email, isLanguage(job.language) ? job.language : 'en', {
    name: organiser.name,
    signInUrl: `${ctx.config.BASE_URL}/login/${token}`,
    expiresMinutes: SIGN_IN_TOKEN_MINUTES,
  });
  ctx.log.info({ organiserId: organiser.id }, 'sign-in email sent');
}
