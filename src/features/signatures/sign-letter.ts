import type { AppContext } from '../../platform/context';
import { publicStatus, type Language, type Letter } from '../../core/letters/letter.entity';
import { TASK_SIGNATURE_EMAIL } from './signature-email.task';
import {
  acceptSolution,
  holdReason,
  isAllowedNetwork,
  isChallengeMode,
  floodRule,
  softChecks,
  weighRecentSigning,
  type HeldReason,
} from '../abuse';
import { mailRequestRules } from '../../core/tokens';
import { consumeFlood } from '../abuse';
import { limitKeyForIp } from '../../platform/web/network';
import {
  consumeCountersSql,
  counterResults,
  type CounterBatch,
  type LimitResult,
  type LimitRule,
} from '../../platform/web/rate-limits';
import { RateLimited } from '../../platform/web/errors';
import { normaliseEmail } from '../../platform/mail/email-address';
import type { SignedText } from '../../core/letters/text-versions';
import type { SignForm } from './sign-form.schema';
import { pgPool } from '../../platform/db/pool';
import {
  originHash,
  emailKey,
  suppressionKey,
  LetterNotOpen,
  lockSignatureByEmail,
  queueEmail,
} from './signature-rows';

/**
 * What a signer wrote of their own. A comment can only ever be shown with the signer's name or
 * initials, or without a name when the signer allowed it: a private signer who did not allow it
 * wrote a comment nobody will read, and it is not stored. The consent means nothing for a name
 * that is listed, and is not kept for one.
 */
export function signerWords(form: Pick<SignForm, 'occupation' | 'comment' | 'commentAnonymous' | 'visibility'>): {
  occupation: string | null;
  comment: string | null;
  commentAnonymous: boolean;
} {
  const anonymous = form.visibility === 'private' && form.commentAnonymous;
  const shown = form.visibility !== 'private' || anonymous;
  return {
    occupation: form.occupation ?? null,
    comment: shown ? (form.comment ?? null) : null,
    commentAnonymous: anonymous,
  };
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
  // The signer's own words come after the counters' parameters.
  const w = counters ? 27 : 21;
  const words = signerWords(form);
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
       SELECT id FROM letters WHERE id = $1 AND status = 'open' AND review_state IN ('none', 'approved') AND (closes_at IS NULL OR closes_at > now())
     ), suppressed AS (
       SELECT 1 FROM signing_suppressions WHERE letter_id = $1 AND email_hash = $16 AND expires_at > now()
     ), ins AS (
       INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, city, organisation, signed_as,
                               visibility, wants_updates, language, origin_hash, held_reason, challenge_solved, challenge_mode, last_emailed_at, text_language, text_version,
                               occupation, comment, comment_status, comment_anonymous)
       SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${counters ? 'coalesce($13, (SELECT tripped FROM verdict))' : '$13'}, $19, $20, now(), $17, $18,
              $${w}, $${w + 1}::varchar, CASE WHEN $${w + 1}::varchar IS NOT NULL THEN 'pending' END, $${w + 2} FROM letter
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
      words.occupation,
      words.comment,
      words.commentAnonymous,
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
  const soft = softChecks(ctx.config, { ip: meta.ip, normalisedEmail: normalised }, { perIp: !allowed });
  const checks: Array<[LimitRule, string]> = [
    [floodRule(ctx.config), limitKeyForIp(secret, meta.ip)],
    [mailRequestRules(ctx.config).perAddress, emailKey(secret, normalised)],
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
    results = await ctx.limits.consumeAll(checks);
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
