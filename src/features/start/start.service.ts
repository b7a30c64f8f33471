import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import { normaliseOrganiserEmail } from '../../core/access';
import { sendSignInEmail } from '../../core/access/sign-in-email.task';
import type { Letter } from '../../core/letters/letter.entity';
import { forgetCachedLetter } from '../../core/letters/letters.service';
import { mailRequestRules } from '../../core/tokens';
import type { AppContext } from '../../platform/context';
import type { Mailer } from '../../platform/mail/mailer';
import { enqueue } from '../../platform/mail/queue';
import { RateLimited } from '../../platform/web/errors';
import { limitKeyForIp } from '../../platform/web/network';
import { startPolicy } from '../admin';
import type { StartInput } from './start-form.schema';

export const TASK_START_SIGN_IN_EMAIL = 'start-sign-in-email';
export interface StartSignInJob {
  email: string;
  language: string;
}

/**
 * Someone at /start asks for a sign-in link, under a policy that lets new people start letters.
 * As the organisers' sign-in request: the per-network limit, then one job in the queue, whatever the
 * address (the page and its timing say nothing of who organises here). The worker decides.
 */
export async function requestStartSignIn(
  ctx: AppContext,
  email: string,
  meta: { ip: string; language: string },
): Promise<void> {
  const limit = await ctx.limits.consume(
    mailRequestRules(ctx.config).perNetwork,
    limitKeyForIp(ctx.config.SESSION_SECRET, meta.ip),
  );
  if (!limit.ok) throw new RateLimited(limit.retryAfterSeconds);
  const normalised = normaliseOrganiserEmail(email);
  const key = crypto
    .createHmac('sha256', ctx.config.SESSION_SECRET)
    .update(`start:${normalised}`)
    .digest('hex')
    .slice(0, 32);
  await ctx.db.transaction(async (tx) => {
    const job: StartSignInJob = { email: normalised, language: meta.language };
    await enqueue(tx, TASK_START_SIGN_IN_EMAIL, job, { jobKey: `start:${key}`, maxAttempts: 5 });
  });
  ctx.log.info('start sign-in link requested');
}

/**
 * The worker's half: when the instance lets new people start letters (checked again now), an
 * address that is no organiser's becomes one, unconfirmed until its first sign-in (forgotten a day
 * later if never); then the organisers' own sign-in email goes out.
 */
export async function sendStartSignInEmail(ctx: AppContext, mailer: Mailer, job: StartSignInJob): Promise<void> {
  const email = normaliseOrganiserEmail(job.email);
  if ((await startPolicy(ctx.db)) !== 'invited') {
    await ctx.db.query(
      `INSERT INTO organisers (email, unconfirmed_since) VALUES ($1, now()) ON CONFLICT (email) DO NOTHING`,
      [email],
    );
  }
  await sendSignInEmail(ctx, mailer, { email, language: job.language });
}

/** A slug from the title: its Latin letters and digits, and a random end so that two titles never collide. */
export function slugFor(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${words || 'letter'}-${crypto.randomBytes(3).toString('hex')}`;
}

async function writeVersion(tx: EntityManager, letterId: string, input: StartInput): Promise<void> {
  await tx.query(
    `INSERT INTO letter_translations (letter_id, language, title, summary, body, recipient)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (letter_id, language) DO UPDATE SET title = $3, summary = $4, body = $5, recipient = $6`,
    [letterId, input.language, input.title, input.summary, input.body, input.recipient],
  );
  // The starter writes one version here; another language chosen replaces it.
  await tx.query(`DELETE FROM letter_translations WHERE letter_id = $1 AND language <> $2`, [letterId, input.language]);
}

/**
 * A letter started at /start: a draft, never public, waiting to be sent for review (or published,
 * under a policy that needs none). Its starter is its owner.
 */
export async function createStartedLetter(ctx: AppContext, starter: AuditActor, input: StartInput): Promise<string> {
  const slug = slugFor(input.title);
  await ctx.db.transaction(async (tx) => {
    const [letter] = await tx.query<Array<{ id: string }>>(
      `INSERT INTO letters (slug, status, review_state, goal, closes_at, default_language, author_name, author_kind)
       VALUES ($1, 'draft', 'draft', $2, $3, $4, $5, $6) RETURNING id`,
      [slug, input.goal, input.closesAt, input.language, input.authorName, input.authorKind],
    );
    await writeVersion(tx, letter.id, input);
    await tx.query(`INSERT INTO letter_organisers (letter_id, organiser_id, role) VALUES ($1, $2, 'owner')`, [
      letter.id,
      starter.id,
    ]);
    await recordAudit(tx, {
      letterId: letter.id,
      actor: starter,
      kind: 'organisers.letter-created',
      detail: { languages: input.language, versions: `${input.language} 1`, status: 'draft' },
    });
  });
  ctx.log.info({ organiserId: starter.id }, 'letter started');
  return slug;
}

/** Saves the starter's edits, while the letter is being written or changed on request. */
export async function updateStartedLetter(
  ctx: AppContext,
  letter: Letter,
  starter: AuditActor,
  input: StartInput,
): Promise<boolean> {
  const saved = await ctx.db.transaction(async (tx) => {
    const [, n] = await tx.query<[unknown, number]>(
      `UPDATE letters SET goal = $2, closes_at = $3, default_language = $4, author_name = $5, author_kind = $6, updated_at = now()
        WHERE id = $1 AND review_state IN ('draft', 'changes_requested')`,
      [letter.id, input.goal, input.closesAt, input.language, input.authorName, input.authorKind],
    );
    if (!n) return false;
    await writeVersion(tx, letter.id, input);
    await recordAudit(tx, {
      letterId: letter.id,
      actor: starter,
      kind: 'organisers.letter-edited',
      detail: { languages: input.language, versions: `${input.language} 1` },
    });
    return true;
  });
  forgetCachedLetter(letter.id, letter.slug);
  return saved;
}
