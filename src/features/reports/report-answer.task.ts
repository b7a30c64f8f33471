import type { AppContext } from '../../platform/context';
import { isPermanentRecipientFailure } from '../../platform/mail/bounce';
import type { Mailer } from '../../platform/mail/mailer';
import { tFor } from '../../platform/web/i18n';
import { forgetReporterAddress, reportAnswer, type ReportAnswerJob } from './reports.service';

/**
 * Tells a reporter who gave an address what the admins decided, in the language of their report,
 * then forgets the address. An address that can never receive mail is forgotten as well.
 */
export async function sendReportAnswer(ctx: AppContext, mailer: Mailer, job: ReportAnswerJob): Promise<void> {
  const answer = await reportAnswer(ctx.db, job.reportId);
  if (!answer) return; // answered already, or erased by retention
  const t = tFor(answer.language);
  try {
    await mailer.send(answer.email, answer.language, {
      template: 'report-answer',
      subject: t('reports.email.subject', { title: answer.title }),
      locals: {
        title: answer.title,
        url: `${ctx.config.BASE_URL}/letters/${answer.slug}?lang=${answer.language}`,
        decision: answer.decision,
        note: answer.note,
      },
    });
  } catch (err) {
    if (!isPermanentRecipientFailure(err)) throw err; // temporary: the queue retries with backoff
  }
  await forgetReporterAddress(ctx.db, job.reportId);
}
