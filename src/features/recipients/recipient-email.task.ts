import type { AppContext } from '../../platform/context';
import { findLetterById } from '../../core/letters/letters.service';
import type { Mailer } from '../../platform/mail/mailer';
import { hashToken, rawToken } from '../../core/tokens';
import { formatDate, tFor } from '../../platform/web/i18n';
import { RecipientLink } from './recipient-link.entity';
import type { RecipientLinkEmailJob } from './recipients.queue';

/**
 * Mails an addressee their link. The token is made here, when the mail is sent, and only its hash
 * is stored (beside the one shown to the owner): a queued job never holds a working link, and a
 * retry after a failed send replaces the token that never arrived. A link revoked or expired
 * before the worker got to it is not sent.
 */
export async function sendRecipientLinkEmail(
  ctx: AppContext,
  mailer: Mailer,
  job: RecipientLinkEmailJob,
): Promise<void> {
  const repo = ctx.db.getRepository(RecipientLink);
  const link = await repo.findOneBy({ id: job.linkId });
  if (!link || !link.email || link.emailedAt || link.revokedAt || link.expiresAt.getTime() <= Date.now()) return;
  const letter = await findLetterById(ctx.db, link.letterId);
  if (!letter.deliveredAt) return;
  const raw = rawToken();
  await repo.update({ id: link.id }, { mailedTokenHash: hashToken(raw) });
  const lang = letter.defaultLanguage;
  const translation = letter.translations.find((t) => t.language === lang) ?? letter.translations[0];
  // The letter as delivered, its list and the way to answer. No unsubscribe: one message, sent on purpose.
  await mailer.send(link.email, lang, {
    template: 'recipient-link',
    subject: tFor(lang)('recipients.email.subject', { title: translation.title }),
    locals: {
      name: link.name,
      letterTitle: translation.title,
      deliveredOn: formatDate(letter.deliveredAt, lang),
      linkUrl: `${ctx.config.BASE_URL}/r/${raw}`,
      expiresOn: formatDate(link.expiresAt, lang),
    },
  });
  await repo.update({ id: link.id }, { emailedAt: new Date() });
  ctx.log.info({ linkId: link.id, letterId: link.letterId }, 'recipient link emailed');
}
