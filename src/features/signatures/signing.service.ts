import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import { publicStatus, type Language, type Letter, type Visibility } from '../../core/letters/letter.entity';
import { enqueueSignatureEmail, TASK_SIGNATURE_EMAIL, type EmailKind } from '../../platform/mail/queue';
import {
  acceptSolution,
  holdReason,
  isAllowedNetwork,
  isChallengeMode,
  softChecks,
  weighRecentSigning,
  type HeldReason,
} from '../abuse';
import { consumeFlood } from '../abuse';
import { limitKeyForIp } from '../../platform/web/network';
import {
  consumeCountersSql,
  counterResults,
  type CounterBatch,
  type LimitName,
  type LimitResult,
} from '../../platform/web/rate-limits';
import { AppError, RateLimited } from '../../platform/web/errors';
import { appendCountDeltas, markRemoval, recordCountChange, verifiedCountOf } from '../../core/letters/counts.service';
import { normaliseEmail } from '../../platform/mail/email-address';
import type { SignedText } from '../../core/letters/text-versions';
import type { SignForm } from './sign-form.schema';
import { Signature } from './signature.entity';
import { pgPool } from '../../platform/db/pool';
import { findTokenForUpdate, hashToken, isExpired, isWellFormedToken } from '../../core/tokens/tokens';

/**
 * A keyed hash of the address a signature came from, stored with it for abuse review; nobody can
 * turn it back into an IP. Limits count per network instead (limitKeyForIp).
 */
export function originHash(secret: string, ip: string): string {
  return crypto.createHmac('sha256', secret).update(`origin:${ip}`).digest('hex').slice(0, 32);
}

function emailKey(secret: string, normalised: string): string {
  return crypto.createHmac('sha256', secret).update(`email:${normalised}`).digest('hex').slice(0, 32);
}

/** "This wasn't me" keeps an address from being emailed about that letter for this long. */
export const NOT_ME_SUPPRESSION_DAYS = 30;

/**
 * The address a "This wasn't me" suppresses, as a keyed hash that includes the letter: the row
 * names nobody, and the same address gives unrelated values on two letters.
 */
function suppressionKey(secret: string, letterId: string, normalised: string): string {
  return crypto.createHmac('sha256', secret).update(`suppress:${letterId}:${normalised}`).digest('hex').slice(0, 32);
}

export class LetterNotOpen extends AppError {
  constructor() {
    super(409, 'letter_closed', 'errors.letterClosed');
  }
}

/** Whether a signature is in the public count: confirmed and not held for review. */
export function isCounted(sig: Pick<Signature, 'status' | 'heldReason'>): boolean {
  return sig.status === 'confirmed' && !sig.heldReason;
}

/** The signature an address holds on a letter, locked until the transaction ends. */
function lockSignatureByEmail(tx: EntityManager, letterId: string, normalised: string): Promise<Signature | null> {
  return tx
    .getRepository(Signature)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.letter_id = :l AND s.email_normalised = :e', { l: letterId, e: normalised })
    .getOne();
}

type ThrottledKind = Exclude<EmailKind, 'reminder'>;

/** Each kind of email has its own resend throttle and its own column. */
const SENT_AT = {
  confirm: 'lastEmailedAt',
  'already-signed': 'alreadySignedEmailedAt',
  manage: 'manageEmailedAt',
} as const satisfies Record<ThrottledKind, keyof Signature>;

/** A signature by id, locked until the transaction ends. */
function lockSignatureById(tx: EntityManager, id: string): Promise<Signature | null> {
  return tx
    .getRepository(Signature)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.id = :id', { id })
    .getOne();
}

/**
 * Deletes a signature with its tokens (ON DELETE CASCADE); one in the public count leaves it in the
 * same transaction. Whether it was counted.
 */
async function eraseSignature(tx: EntityManager, sig: Signature): Promise<boolean> {
  const counted = isCounted(sig);
  if (counted) await recordCountChange(tx, sig.letterId, sig.country, -1);
  await tx.delete(Signature, { id: sig.id });
  return counted;
}

function throttled(sig: Signature, kind: ThrottledKind, minutes: number): boolean {
  const last = sig[SENT_AT[kind]];
  return !!last && Date.now() - last.getTime() < minutes * 60_000;
}

/** Queues the email unless one of its kind went out within the throttle; whether it was queued. */
async function queueEmail(ctx: AppContext, tx: EntityManager, sig: Signature, kind: ThrottledKind): Promise<boolean> {
  if (throttled(sig, kind, ctx.config.RESEND_THROTTLE_MINUTES)) return false;
  await enqueueSignatureEmail(tx, { signatureId: sig.id, kind });
  await tx.update(Signature, { id: sig.id }, { [SENT_AT[kind]]: () => 'now()' });
  return true;
}

/**
 * Inserts a pending signature and puts its confirmation email and its reminder in the outbox, in
 * ONE statement (its own transaction): the row and its mail exist together or not at all. Nothing is
 * inserted when the address already signed (the unique constraint meets concurrent duplicates),
 * when the letter is no longer open at this very moment, or when the address said "This wasn't
 * me" to this letter within the last 30 days (checked in the same statement: no extra round trip).
 *
 * With the counters in PostgreSQL (`counters`), the same statement consumes every limit of the
 * request first (flood, per-email and the soft ones, as `consumeCountersSql` defines them) and
 * inserts nothing when the flood or the per-email limit is passed; a soft limit passed holds the
 * signature for review (the first one tripped, in the order of the checks), unless `heldReason`
 * already says why. One round trip and one commit for a signature instead of two.
 */
async function insertPending(
  ctx: AppContext,
  letterId: string,
  form: SignForm,
  extra: {
    normalised: string;
    language: Language;
    originHash: string;
    heldReason: HeldReason | null;
    suppressionKey: string;
    text: SignedText;
    challengeSolved: boolean;
    challengeMode: boolean;
  },
  counters: CounterBatch | null,
): Promise<{
  id: string | null;
  heldReason: string | null;
  open: boolean;
  suppressed: boolean;
  counted: Array<{ key: string; points: number; expire: string }>;
}> {
  const limits = counters
    ? `lim AS (
       ${consumeCountersSql('$21', '$22', '$23')}
     ), checks AS (
       SELECT c.name, c.n, l.points > c.allowed AS over
         FROM unnest($24::varchar[], $25::int[], $26::text[]) WITH ORDINALITY AS c(key, allowed, name, n) JOIN lim l ON l.key = c.key
     ), verdict AS (
       SELECT coalesce(bool_or(over) FILTER (WHERE name IN ('flood', 'sign-email')), false) AS refused,
              (SELECT name FROM checks WHERE over AND name NOT IN ('flood', 'sign-email') ORDER BY n LIMIT 1) AS tripped
         FROM checks
     ), `
    : '';
  const { rows } = await pgPool(ctx.db).query<{
    id: string | null;
    held_reason: string | null;
    open: boolean;
    suppressed: boolean;
    counted: Array<{ key: string; points: number; expire: string }> | null;
  }>({
    // Named: each connection parses and plans this statement once, not on every signature.
    name: counters ? 'sign-counters-insert-pending' : 'sign-insert-pending',
    text: `WITH ${limits}letter AS (
       SELECT id FROM letters WHERE id = $1 AND status = 'open' AND (closes_at IS NULL OR closes_at > now())
     ), suppressed AS (
       SELECT 1 FROM signing_suppressions WHERE letter_id = $1 AND email_hash = $16 AND expires_at > now()
     ), ins AS (
       INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, city, organisation, signed_as,
                               visibility, wants_updates, language, origin_hash, held_reason, challenge_solved, challenge_mode, last_emailed_at, text_language, text_version)
       SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${counters ? 'coalesce($13, (SELECT tripped FROM verdict))' : '$13'}, $19, $20, now(), $17, $18 FROM letter
        WHERE NOT EXISTS (SELECT 1 FROM suppressed)${counters ? ' AND NOT (SELECT refused FROM verdict)' : ''}
       ON CONFLICT (letter_id, email_normalised) DO NOTHING
       RETURNING id, held_reason
     ), outbox AS (
       INSERT INTO job_outbox (task, payload, run_at, job_key)
       SELECT $15, json_build_object('signatureId', id, 'kind', 'confirm'), now(), NULL FROM ins
       UNION ALL
       SELECT $15, json_build_object('signatureId', id, 'kind', 'reminder'), now() + $14::float8 * interval '1 hour', 'reminder:' || id FROM ins
     )
     SELECT (SELECT id FROM ins) AS id, (SELECT held_reason FROM ins) AS held_reason, EXISTS (SELECT 1 FROM letter) AS open, EXISTS (SELECT 1 FROM suppressed) AS suppressed,
            ${counters ? "(SELECT json_agg(json_build_object('key', key, 'points', points, 'expire', expire)) FROM lim)" : 'NULL::json'} AS counted`,
    values: [
      letterId,
      form.fullName,
      form.email,
      extra.normalised,
      form.country,
      form.city ?? null,
      form.organisation ?? null,
      form.signedAs,
      form.visibility,
      form.wantsUpdates,
      extra.language,
      extra.originHash,
      extra.heldReason,
      ctx.config.REMINDER_AFTER_HOURS,
      TASK_SIGNATURE_EMAIL,
      extra.suppressionKey,
      extra.text.language,
      extra.text.version,
      extra.challengeSolved,
      extra.challengeMode,
      ...(counters
        ? [
            counters.keys,
            counters.expires,
            counters.now,
            counters.checks.map((c) => c.key),
            counters.checks.map((c) => c.points),
            counters.checks.map((c) => c.name),
          ]
        : []),
    ],
  });
  const row = rows[0];
  return {
    id: row?.id ?? null,
    heldReason: row?.held_reason ?? null,
    open: row?.open ?? false,
    suppressed: row?.suppressed ?? false,
    counted: row?.counted ?? [],
  };
}

/**
 * Signs a letter. Whatever happens (new signature, a repeat, a limit reached, a bot caught by
 * the honeypot) the caller shows the same page, so nobody learns from it whether an address
 * has signed. Only the IP flood limit answers differently (429), and it says nothing of emails.
 * This POST's flood counter is consumed here (the flood middleware leaves the sign route to
 * it), together with the per-email and soft counters and the signature with its mail: ONE
 * statement with the counters in PostgreSQL (with Redis: the counters, then the statement).
 */
export async function signLetter(
  ctx: AppContext,
  letter: Letter,
  form: SignForm,
  meta: { ip: string; language: Language; text: SignedText },
): Promise<void> {
  const secret = ctx.config.SESSION_SECRET;
  if (publicStatus(letter) !== 'open' || form.website) {
    await consumeFlood(ctx, meta.ip);
    if (form.website) {
      ctx.log.info({ letterId: letter.id }, 'honeypot filled: submission dropped');
      return;
    }
    throw new LetterNotOpen();
  }
  const normalised = normaliseEmail(form.email);
  // A university or a newsroom behind one address is allowed by the letter's organisers: their
  // per-IP soft counters are not consumed for this letter.
  const allowed = await isAllowedNetwork(ctx.db, letter.id, meta.ip);
  const soft = softChecks(secret, { ip: meta.ip, normalisedEmail: normalised }, { perIp: !allowed });
  const checks: Array<[LimitName, string]> = [
    ['flood', limitKeyForIp(secret, meta.ip)],
    ['sign-email', emailKey(secret, normalised)],
    ...soft,
  ];
  const pending = {
    normalised,
    language: meta.language,
    originHash: originHash(secret, meta.ip),
    suppressionKey: suppressionKey(secret, letter.id, normalised),
    text: meta.text,
  };
  // In challenge mode a signature without a solved challenge (no JavaScript, or a bot) is taken
  // and answered like any other, but held for review. A solution is checked whenever one comes.
  const [challenged, challengeSolved] = await Promise.all([
    isChallengeMode(ctx.db, letter.id),
    acceptSolution(ctx, letter.id, form.altcha),
  ]);
  const challengeHold: HeldReason | null = challenged && !challengeSolved ? 'challenge-missing' : null;
  const batch = ctx.limits.inStatement(checks);
  let inserted: Awaited<ReturnType<typeof insertPending>> | null = null;
  let results: LimitResult[];
  if (batch) {
    // Counters and signature together; a disposable address is held whatever the counters say.
    inserted = await insertPending(
      ctx,
      letter.id,
      form,
      {
        ...pending,
        challengeSolved,
        challengeMode: challenged,
        heldReason: challengeHold ?? holdReason(normalised, [], []),
      },
      batch,
    );
    results = counterResults(batch, inserted.counted);
  } else {
    results = await ctx.limits.consume(checks);
  }
  const [flood, perEmail, ...softResults] = results;
  if (!flood.ok) throw new RateLimited(flood.retryAfterSeconds);
  // The hard per-email limit drops the submission silently: no email, the same page.
  if (!perEmail.ok) {
    ctx.log.info({ letterId: letter.id }, 'per-email signing limit reached: no email sent');
    return;
  }
  const heldReason = holdReason(normalised, soft, softResults);
  inserted ??= await insertPending(
    ctx,
    letter.id,
    form,
    { ...pending, challengeSolved, challengeMode: challenged, heldReason: challengeHold ?? heldReason },
    null,
  );
  // Held by abuse control: in the batch the statement decided, from the counters it consumed.
  const held = inserted.heldReason;
  if (!inserted.open) throw new LetterNotOpen();
  if (inserted.id) {
    ctx.log.info(
      { letterId: letter.id, signatureId: inserted.id, heldReason: held, challengeSolved },
      'signature pending',
    );
    // Many held signatures in a few minutes put the letter in challenge mode.
    if (held) await weighRecentSigning(ctx, letter.id);
    return;
  }
  if (inserted.suppressed) {
    ctx.log.info({ letterId: letter.id }, 'address said "this wasn\'t me" to this letter: no signature, no email');
    return;
  }
  // A repeat: a fresh confirmation link while pending, an "already signed" note once confirmed,
  // each kind under its own throttle.
  await ctx.db.transaction(async (tx) => {
    const existing = await lockSignatureByEmail(tx, letter.id, normalised);
    if (!existing) return;
    const kind = existing.status === 'pending' ? 'confirm' : existing.status === 'confirmed' ? 'already-signed' : null;
    const queued = kind ? await queueEmail(ctx, tx, existing, kind) : false;
    ctx.log.info(
      { letterId: letter.id, signatureId: existing.id, status: existing.status, queued },
      'repeat signature',
    );
  });
}

/**
 * "Manage my signature": a fresh link for whoever owns the address; same answer for anyone.
 * Counted per network (the /64 for IPv6), as the flood limit counts: one IPv6 subscriber holds
 * a whole /64 and could otherwise take a fresh address for every request.
 */
export async function requestManageLink(ctx: AppContext, letter: Letter, email: string, ip: string): Promise<void> {
  const ipLimit = await ctx.limits.perIp(limitKeyForIp(ctx.config.SESSION_SECRET, ip));
  if (!ipLimit.ok) throw new RateLimited(ipLimit.retryAfterSeconds);
  const normalised = normaliseEmail(email);
  const emailLimit = await ctx.limits.perEmail(emailKey(ctx.config.SESSION_SECRET, normalised));
  if (!emailLimit.ok) return;
  await ctx.db.transaction(async (tx) => {
    const sig = await lockSignatureByEmail(tx, letter.id, normalised);
    if (!sig) return;
    if (sig.status === 'pending') await queueEmail(ctx, tx, sig, 'confirm');
    else if (sig.status === 'confirmed') await queueEmail(ctx, tx, sig, 'manage');
  });
}

interface ConfirmedRef {
  letterId: string;
  language: Language;
  signatureId: string;
}
export type ConfirmOutcome =
  /** `count`: the letter's verified count as this statement left it, for the confirmed page. */
  | ({ kind: 'confirmed'; count: number } & ConfirmedRef)
  | ({ kind: 'already-confirmed'; count: number } & ConfirmedRef)
  | { kind: 'expired' }
  | { kind: 'bounced' }
  | { kind: 'unknown' };

export type ConfirmationView =
  | { kind: 'pending'; letterId: string; fullName: string; visibility: Visibility }
  | ({ kind: 'already-confirmed' } & ConfirmedRef)
  | { kind: 'expired' }
  | { kind: 'bounced' }
  | { kind: 'unknown' };

/**
 * What an emailed confirmation link is about, for the page it opens. Reads only: mail scanners
 * and link previews open links (GET and HEAD) before people do, so opening one never confirms.
 */
export async function readConfirmation(ctx: AppContext, rawToken: string): Promise<ConfirmationView> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  const { rows } = await pgPool(ctx.db).query<{
    signature_id: string;
    letter_id: string;
    full_name: string;
    visibility: Visibility;
    language: Language;
    status: Signature['status'];
    expired: boolean;
  }>({
    name: 'confirm-read',
    text: `SELECT s.id AS signature_id, s.letter_id, s.full_name, s.visibility, s.language, s.status, t.expires_at <= now() AS expired
             FROM tokens t JOIN signatures s ON s.id = t.signature_id
            WHERE t.token_hash = $1 AND t.purpose = 'confirm'`,
    values: [hashToken(rawToken)],
  });
  const row = rows[0];
  if (!row || row.status === 'invalidated') return { kind: 'unknown' };
  if (row.status === 'bounced') return { kind: 'bounced' };
  if (row.status === 'confirmed')
    return {
      kind: 'already-confirmed',
      letterId: row.letter_id,
      language: row.language,
      signatureId: row.signature_id,
    };
  if (row.expired) return { kind: 'expired' };
  return { kind: 'pending', letterId: row.letter_id, fullName: row.full_name, visibility: row.visibility };
}

/**
 * The confirming statement ($1: the token's hash, $2: the visibility chosen on the page or null).
 *
 * The plan must stay right while the tables grow tenfold in a minute, before autovacuum has
 * refreshed the statistics: `s.status || ''` is the status compared so that the partial index
 * of pending signatures (signatures_pending_created, for the retention sweep) cannot serve this
 * condition. With statistics that say "hardly anything is pending" the planner otherwise reads
 * that whole index (every pending signature) for each confirmation: 600 ms with 100,000 pending,
 * against a primary-key lookup of well under a millisecond, in every plan, custom or generic.
 */
export const CONFIRM_SIGNATURE_SQL = `WITH t AS (
       SELECT id, signature_id, expires_at <= now() AS expired FROM tokens
        WHERE token_hash = $1 AND purpose = 'confirm' AND signature_id IS NOT NULL
     ), upd AS (
       UPDATE signatures s SET status = 'confirmed', confirmed_at = now(), visibility = coalesce($2::varchar, s.visibility)
         FROM t WHERE s.id = t.signature_id AND (s.status || '') = 'pending' AND NOT t.expired
       RETURNING s.id, s.letter_id, s.country, s.held_reason
     ), used AS (
       UPDATE tokens SET used_at = now() WHERE id = (SELECT id FROM t) AND EXISTS (SELECT 1 FROM upd)
     ), delta AS (
       ${appendCountDeltas('SELECT letter_id, country, 1 FROM upd WHERE held_reason IS NULL')}
     )
     SELECT s.id AS signature_id, s.letter_id, s.language, s.status, t.expired, EXISTS (SELECT 1 FROM upd) AS confirmed,
            -- The count the confirmed page shows, this confirmation included (the statement does
            -- not see the delta it adds itself).
            ${verifiedCountOf('s.letter_id')} + (SELECT count(*) FROM upd WHERE held_reason IS NULL) AS count
       FROM t LEFT JOIN signatures s ON s.id = t.signature_id`;

/**
 * Confirms: the POST of the confirmation page's button, with how the name appears as chosen on
 * that page (null keeps the choice made when signing). A second press, or a page submitted
 * twice, is answered with the same friendly page and never counts twice.
 *
 * One statement: the UPDATE only turns a pending signature into a confirmed one (and sets its
 * visibility in the same change), so of two presses at the same moment exactly one confirms (the
 * other waits for the row lock, sees the row confirmed and changes nothing), and only that one
 * marks the token used and adds the count delta (a held signature counts only once an organiser
 * releases it).
 */
export async function confirmSignature(
  ctx: AppContext,
  rawToken: string,
  visibility: Visibility | null = null,
): Promise<ConfirmOutcome> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  const { rows } = await pgPool(ctx.db).query<{
    signature_id: string | null;
    letter_id: string | null;
    language: Language | null;
    status: Signature['status'] | null;
    expired: boolean;
    confirmed: boolean;
    count: string | null;
  }>({
    name: 'confirm-signature',
    text: CONFIRM_SIGNATURE_SQL,
    values: [hashToken(rawToken), visibility],
  });
  const row = rows[0];
  // The statement's snapshot shows the signature as it was before this statement changed it.
  if (!row?.signature_id || !row.letter_id || !row.language || row.status === 'invalidated') return { kind: 'unknown' };
  // Mail to this address bounced: it can never be confirmed (the UPDATE above wants 'pending').
  if (row.status === 'bounced') return { kind: 'bounced' };
  const ref = {
    letterId: row.letter_id,
    language: row.language,
    signatureId: row.signature_id,
    count: Number(row.count ?? 0),
  };
  if (row.confirmed) {
    ctx.log.info({ letterId: row.letter_id, signatureId: row.signature_id }, 'signature confirmed');
    return { kind: 'confirmed', ...ref };
  }
  if (row.status === 'confirmed') return { kind: 'already-confirmed', ...ref };
  if (row.expired) return { kind: 'expired' };
  // Pending in this statement's snapshot, not expired, yet not changed by it: a click at the same
  // moment confirmed it first.
  return { kind: 'already-confirmed', ...ref };
}

export type WithdrawCheck = { valid: true; letterId: string; language: Language } | { valid: false };

export async function checkWithdrawToken(ctx: AppContext, rawToken: string): Promise<WithdrawCheck> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'withdraw');
    if (!token?.signatureId || isExpired(token)) return { valid: false };
    const sig = await tx.findOneBy(Signature, { id: token.signatureId });
    return sig ? { valid: true, letterId: sig.letterId, language: sig.language } : { valid: false };
  });
}

/**
 * Withdraws: the signature leaves the count and the list, and the row is deleted with its
 * tokens (ON DELETE CASCADE), so nothing of the signer's personal data remains.
 */
export async function withdrawSignature(
  ctx: AppContext,
  rawToken: string,
): Promise<{ done: boolean; letterId?: string }> {
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'withdraw');
    if (!token?.signatureId || isExpired(token)) return { done: false };
    const sig = await lockSignatureById(tx, token.signatureId);
    if (!sig) return { done: false };
    return withdrawLocked(ctx, tx, sig);
  });
}

/** The withdrawal itself, on a locked signature: counted as a removal, erased, out of the count. */
async function withdrawLocked(
  ctx: AppContext,
  tx: EntityManager,
  sig: Signature,
): Promise<{ done: true; letterId: string }> {
  await markRemoval(tx, 'withdrawn');
  await eraseSignature(tx, sig);
  // Jobs still queued for this signature find no row and end quietly.
  ctx.log.info({ letterId: sig.letterId }, 'signature withdrawn and erased');
  return { done: true, letterId: sig.letterId };
}

/**
 * Withdraws a signature its address's owner chose on the "my signatures" page: the same
 * withdrawal as the emailed link's, for a signature of this (normalised) address that is pending
 * or confirmed. Anything else (another address's, invalidated, already gone) is not done.
 */
export async function withdrawSignatureOfAddress(
  ctx: AppContext,
  signatureId: string,
  emailNormalised: string,
): Promise<{ done: boolean; letterId?: string }> {
  return ctx.db.transaction(async (tx) => {
    const sig = await lockSignatureById(tx, signatureId);
    if (!sig || sig.emailNormalised !== emailNormalised || (sig.status !== 'pending' && sig.status !== 'confirmed'))
      return { done: false };
    return withdrawLocked(ctx, tx, sig);
  });
}

export type DisownOutcome =
  { kind: 'deleted'; letterId: string; wasCounted: boolean } | { kind: 'expired' } | { kind: 'unknown' };

/**
 * "This wasn't me", pressed on a confirmation page: someone signed with this address. The
 * signature is deleted with its tokens (ON DELETE CASCADE), so nothing is counted or published,
 * and the address is not emailed about this letter again for 30 days (kept only as a keyed hash).
 *
 * On a signature already confirmed (the page was open in one tab while another confirmed) it is
 * the withdrawal: whoever holds the mailbox says the signature is not theirs, and the latest word
 * wins. The signature leaves the count and the list.
 */
export async function disownSignature(ctx: AppContext, rawToken: string): Promise<DisownOutcome> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  return ctx.db.transaction(async (tx) => {
    const token = await findTokenForUpdate(tx, rawToken, 'confirm');
    if (!token?.signatureId) return { kind: 'unknown' };
    const sig = await lockSignatureById(tx, token.signatureId);
    if (!sig || sig.status === 'invalidated' || sig.status === 'bounced') return { kind: 'unknown' };
    if (sig.status === 'pending' && isExpired(token)) return { kind: 'expired' };
    await markRemoval(tx, 'disowned');
    const wasCounted = await eraseSignature(tx, sig);
    if (sig.emailNormalised) {
      await tx.query(
        `INSERT INTO signing_suppressions (letter_id, email_hash, expires_at)
         VALUES ($1, $2, now() + make_interval(days => $3))
         ON CONFLICT (letter_id, email_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        [
          sig.letterId,
          suppressionKey(ctx.config.SESSION_SECRET, sig.letterId, sig.emailNormalised),
          NOT_ME_SUPPRESSION_DAYS,
        ],
      );
    }
    // Jobs still queued for this signature (the reminder) find no row and end quietly.
    ctx.log.info({ letterId: sig.letterId, wasCounted }, 'signature disowned from its confirmation page and erased');
    return { kind: 'deleted', letterId: sig.letterId, wasCounted };
  });
}
