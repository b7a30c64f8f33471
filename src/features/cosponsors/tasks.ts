import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context';
import { isPermanentRecipientFailure } from '../../platform/mail/bounce';
import type { Mailer } from '../../platform/mail/mailer';
import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import type { Language } from '../../platform/web/languages';
import { tFor } from '../../platform/web/i18n';
import { hashToken } from '../../core/tokens';
import { findLetterById, chooseTranslation } from '../../core/letters/letters.service';
import {
  COSPONSOR_CONFIRM_DAYS,
  inviteSupportersToSign,
  TASK_COSPONSOR_CONFIRM_EMAIL,
  TASK_COSPONSOR_INVITE_EMAIL,
} from './cosponsors.service';

interface CosponsorJob {
  cosponsorId: string;
}

/**
 * The supporter's confirmation link, made here (the job names only the offer) and stored as a
 * hash; a retry after an SMTP failure makes a new one. An offer confirmed or erased meanwhile
 * sends nothing.
 */
async function sendConfirmation(ctx: AppContext, mailer: Mailer, job: CosponsorJob): Promise<void> {
  const raw = crypto.randomBytes(32).toString('base64url');
  // TypeORM answers an UPDATE with [rows, affected].
  const [[row]] = await ctx.db.query<
    [Array<{ email: string; full_name: string; language: Language; letter_id: string }>, number]
  >(
    `UPDATE letter_cosponsors SET confirm_token_hash = $2 WHERE id = $1 AND status = 'pending'
     RETURNING email, full_name, language, letter_id`,
    [job.cosponsorId, hashToken(raw)],
  );
  if (!row) return;
  const letter = await findLetterById(ctx.db, row.letter_id);
  const title = chooseTranslation(letter.translations, letter.defaultLanguage, [row.language]).title;
  const t = tFor(row.language);
  try {
    await mailer.send(row.email, row.language, {
      template: 'cosponsor-confirm',
      subject: t('cosponsors.email.confirmSubject', { title }),
      locals: {
        name: row.full_name,
        title,
        url: `${ctx.config.BASE_URL}/cosponsor/confirm/${raw}?lang=${row.language}`,
        days: COSPONSOR_CONFIRM_DAYS,
      },
    });
  } catch (err) {
    if (!isPermanentRecipientFailure(err)) throw err;
    await ctx.db.query(`DELETE FROM letter_cosponsors WHERE id = $1 AND status = 'pending'`, [job.cosponsorId]);
  }
}

/** The letter a supporter backed is published: they asked to be invited to sign it. Then their row goes. */
async function sendInvitation(ctx: AppContext, mailer: Mailer, job: CosponsorJob): Promise<void> {
  const [row] = await ctx.db.query<Array<{ email: string; full_name: string; language: Language; letter_id: string }>>(
    `SELECT email, full_name, language, letter_id FROM letter_cosponsors WHERE id = $1`,
    [job.cosponsorId],
  );
  if (!row) return;
  const letter = await findLetterById(ctx.db, row.letter_id);
  const version = chooseTranslation(letter.translations, letter.defaultLanguage, [row.language]);
  const t = tFor(row.language);
  try {
    await mailer.send(row.email, row.language, {
      template: 'cosponsor-invite',
      subject: t('cosponsors.email.inviteSubject', { title: version.title }),
      locals: {
        name: row.full_name,
        title: version.title,
        url: `${ctx.config.BASE_URL}/letters/${letter.slug}?lang=${version.language}`,
      },
    });
  } catch (err) {
    if (!isPermanentRecipientFailure(err)) throw err;
  }
  await ctx.db.query(`DELETE FROM letter_cosponsors WHERE id = $1`, [job.cosponsorId]);
}

/** Supporters' emails, and the chore that asks those who wished to sign once their letter is published. */
export function cosponsorJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_COSPONSOR_CONFIRM_EMAIL]: (payload) => sendConfirmation(ctx, mailer, payload as CosponsorJob),
      [TASK_COSPONSOR_INVITE_EMAIL]: (payload) => sendInvitation(ctx, mailer, payload as CosponsorJob),
    },
    chores: [{ everyMs: 60_000, run: () => inviteSupportersToSign(ctx), failure: 'co-sponsor invitations failed' }],
  };
}
