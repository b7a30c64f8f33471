import type { AppContext } from '../../platform/context';
import { chooseTranslation, findRecentLetter } from '../../core/letters/letters.service';
import type { Language } from '../../core/letters/letter.entity';
import { pgPool } from '../../platform/db/pool';
import { hashToken, rawToken, WITHDRAW_TOKEN_TTL_HOURS } from '../../core/tokens/tokens';
import type { TokenPurpose } from '../../core/tokens/token.entity';
import { isPermanentRecipientFailure } from '../../platform/mail/bounce';
import type { Mailer } from '../../platform/mail/mailer';
import { enqueue } from '../../platform/mail/queue';
import type { EntityManager } from 'typeorm';
import { alreadySignedEmail, confirmationEmail, manageEmail, mySignaturesUrl } from './emails';

/** The emails a signer gets about one signature. */
export type EmailKind = 'confirm' | 'reminder' | 'already-signed' | 'manage';

export interface SignatureEmailJob {
  signatureId: string;
  kind: EmailKind;
}

export const TASK_SIGNATURE_EMAIL = 'signature-email';

export function enqueueSignatureEmail(
  tx: EntityManager,
  job: SignatureEmailJob,
  opts: { runAt?: Date; jobKey?: string } = {},
): Promise<void> {
  return enqueue(tx, TASK_SIGNATURE_EMAIL, job, opts);
}

interface Addressee {
  id: string;
  email: string;
  full_name: string;
  language: Language;
  letter_id: string;
}

/**
 * The signature an email is about, read together with the insertion of the email's tokens, in ONE
 * statement: tokens are made only when the email is still due (a confirmation or reminder while
 * pending, the other kinds once confirmed; an address erased after the retention period gets
 * nothing). Null when it is not due: withdrawn since, confirmed before the reminder, erased.
 * `status || ''`: the primary key finds the row whatever the statistics say of pending rows (see
 * CONFIRM_SIGNATURE_SQL in confirm-signature.ts).
 */
async function addresseeWithTokens(
  ctx: AppContext,
  job: SignatureEmailJob,
  wanted: Array<{ purpose: TokenPurpose; ttlHours: number }>,
): Promise<{ sig: Addressee; tokens: string[] } | null> {
  const wantsConfirm = job.kind === 'confirm' || job.kind === 'reminder';
  const raws = wanted.map(() => rawToken());
  // Named: each connection of the worker parses and plans it once (the worker's connections are
  // sessions of their own, never a transaction pool's: docs/scaling.md).
  const { rows } = await pgPool(ctx.db).query<Addressee>({
    name: 'signature-email-addressee',
    text: `WITH s AS (
       SELECT id, email, full_name, language, letter_id FROM signatures
        WHERE id = $1 AND (status || '') = $2 AND coalesce(email, '') <> ''
     ), tok AS (
       INSERT INTO tokens (token_hash, purpose, signature_id, expires_at)
       SELECT h, p, s.id, now() + t * interval '1 hour' FROM s, unnest($3::text[], $4::text[], $5::float8[]) AS x(h, p, t)
     )
     SELECT id, email, full_name, language, letter_id FROM s`,
    values: [
      job.signatureId,
      wantsConfirm ? 'pending' : 'confirmed',
      raws.map(hashToken),
      wanted.map((w) => w.purpose),
      wanted.map((w) => w.ttlHours),
    ],
  });
  return rows[0] ? { sig: rows[0], tokens: raws } : null;
}

/**
 * Sends one signature email. Tokens are made here rather than at signing, so the job payload
 * (stored in PostgreSQL until sent) never holds a working link. A retry after an SMTP failure
 * makes fresh tokens; the unused ones expire. One statement for the signature and its tokens,
 * the letter from a two-second cache: the worker's database work per email is that statement
 * and the queue's own bookkeeping.
 */
export async function sendSignatureEmail(ctx: AppContext, mailer: Mailer, job: SignatureEmailJob): Promise<void> {
  const wantsConfirm = job.kind === 'confirm' || job.kind === 'reminder';
  const withdraw = { purpose: 'withdraw' as const, ttlHours: WITHDRAW_TOKEN_TTL_HOURS };
  const due = await addresseeWithTokens(
    ctx,
    job,
    wantsConfirm ? [withdraw, { purpose: 'confirm', ttlHours: ctx.config.CONFIRM_TOKEN_TTL_HOURS }] : [withdraw],
  );
  if (!due) return; // withdrawn, confirmed before the reminder fell due, or erased: nothing to send
  const { sig, tokens } = due;
  const [withdrawToken, confirmToken = null] = tokens;

  const letter = await findRecentLetter(ctx.db, sig.letter_id);
  const translation = chooseTranslation(letter.translations, letter.defaultLanguage, [sig.language]);
  const base = ctx.config.BASE_URL;
  const links = {
    letter: { title: translation.title, url: `${base}/letters/${letter.slug}?lang=${translation.language}` },
    withdrawUrl: `${base}/s/withdraw/${withdrawToken}`,
    mySignaturesUrl: mySignaturesUrl(base, sig.language),
  };
  const common = { name: sig.full_name, ...links };
  if (confirmToken) {
    // The link opens a page that shows the name and asks for a press of a button to confirm.
    try {
      await mailer.sendShared(
        sig.email,
        sig.language,
        confirmationEmail(sig.language, {
          ...links,
          confirmUrl: `${base}/s/confirm/${confirmToken}`,
          expiresHours: ctx.config.CONFIRM_TOKEN_TTL_HOURS,
          reminder: job.kind === 'reminder',
        }),
      );
    } catch (err) {
      if (!isPermanentRecipientFailure(err)) throw err; // temporary: the queue retries with backoff
      await markBounced(ctx, sig.id);
      return;
    }
  } else if (job.kind === 'already-signed') {
    await mailer.send(sig.email, sig.language, alreadySignedEmail(sig.language, common));
  } else {
    await mailer.send(sig.email, sig.language, manageEmail(sig.language, common));
  }
  ctx.log.info({ signatureId: sig.id, kind: job.kind }, 'signature email sent');
}

/**
 * The signer's mail server refused the address for good: the signature can never be confirmed or
 * counted. Only a pending one changes (a click on an earlier email may have confirmed it). The job
 * ends here, with no retry and no error stored in the queue.
 */
async function markBounced(ctx: AppContext, signatureId: string): Promise<void> {
  const [, changed] = await ctx.db.query<[unknown, number]>(
    `UPDATE signatures SET status = 'bounced', bounced_at = now() WHERE id = $1 AND status = 'pending'`,
    [signatureId],
  );
  ctx.log.info({ signatureId, changed: changed > 0 }, 'confirmation email bounced: signature marked bounced');
}
