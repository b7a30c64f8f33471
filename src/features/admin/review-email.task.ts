import type { AppContext } from '../../platform/context';
import type { Mailer } from '../../platform/mail/mailer';
import { isLanguage, tFor } from '../../platform/web/i18n';
import { reasonLabel } from './settings.service';
import type { ReviewDecisionEmailJob } from './moderation.service';

/**
 * Tells the letter's owners what an admin decided: approved (with its public address), changes asked
 * (with the admin's message), or rejected (with the published reason, the note, and whether a
 * second review may still be asked). In the letter's own language; the admin is never named.
 */
export async function sendReviewDecisionEmail(
  ctx: AppContext,
  mailer: Mailer,
  job: ReviewDecisionEmailJob,
): Promise<void> {
  const [d] = await ctx.db.query<
    Array<{
      decision: 'approve' | 'changes' | 'reject';
      note: string;
      reason_key: string | null;
      reason_label: string | null;
      letter_id: string;
      slug: string;
      lang: string;
      second_asked: boolean;
      title: string | null;
    }>
  >(
    `SELECT d.decision, d.note, d.reason_key, r.label AS reason_label, l.id AS letter_id, l.slug, l.default_language AS lang,
            l.second_review_requested_at IS NOT NULL AS second_asked,
            (SELECT t.title FROM letter_translations t WHERE t.letter_id = l.id ORDER BY t.language = l.default_language DESC LIMIT 1) AS title
       FROM letter_review_decisions d JOIN letters l ON l.id = d.letter_id LEFT JOIN rejection_reasons r ON r.key = d.reason_key
      WHERE d.id = $1`,
    [job.decisionId],
  );
  if (!d) return; // the letter was deleted since
  const owners = await ctx.db.query<Array<{ email: string }>>(
    `SELECT o.email FROM letter_organisers lo JOIN organisers o ON o.id = lo.organiser_id WHERE lo.letter_id = $1 AND lo.role = 'owner'`,
    [d.letter_id],
  );
  const lang = isLanguage(d.lang) ? d.lang : 'en';
  const t = tFor(lang);
  const title = d.title ?? d.slug;
  for (const owner of owners) {
    await mailer.send(owner.email, lang, {
      template: 'review-decision',
      subject: t(`admin.email.decision.subject.${d.decision}`, { title }),
      locals: {
        decision: d.decision,
        title,
        note: d.note,
        reason: d.reason_key ? reasonLabel({ key: d.reason_key, label: d.reason_label ?? '' }, t) : '',
        canAskSecond: d.decision === 'reject' && !d.second_asked,
        letterUrl: `${ctx.config.BASE_URL}/letters/${d.slug}`,
        startUrl: `${ctx.config.BASE_URL}/start/letters/${d.slug}`,
      },
    });
  }
  ctx.log.info({ decisionId: job.decisionId }, 'review decision emailed');
}
