import type { AppContext } from '../../platform/context';
import type { Mailer } from '../../platform/mail/mailer';
import { isLanguage, tFor } from '../../platform/web/i18n';
import { INVITATION_DAYS, issueInvitationToken, type TeamInvitationJob } from './invitations.service';

/** Sends a team invitation. Nothing is sent for an invitation revoked, accepted or expired since. */
export async function sendTeamInvitationEmail(ctx: AppContext, mailer: Mailer, job: TeamInvitationJob): Promise<void> {
  const lang = isLanguage(job.language) ? job.language : 'en';
  const invitation = await issueInvitationToken(ctx, job.invitationId, lang);
  if (!invitation) return;
  // Nothing happens unless the invitee presses Accept on the invitation's page.
  await mailer.send(invitation.email, lang, {
    template: 'team-invitation',
    subject: tFor(lang)('organisers.email.invitation.subject', { title: invitation.letterTitle }),
    locals: {
      inviterName: invitation.inviterName,
      letterTitle: invitation.letterTitle,
      role: invitation.role,
      invitationUrl: `${ctx.config.BASE_URL}/invitations/${invitation.token}`,
      expiresDays: INVITATION_DAYS,
    },
  });
  ctx.log.info({ invitationId: job.invitationId }, 'team invitation sent');
}
