import type { AppContext } from '../../platform/context';
import { type Language, type Visibility } from '../../core/letters/letter.entity';
import { appendCountDeltas, verifiedCountOf } from '../../core/letters/counts.service';
import { Signature } from './signature.entity';
import { pgPool } from '../../platform/db/pool';
import { hashToken, isWellFormedToken } from '../../core/tokens/tokens';
import { consumeFlood, floodRule } from '../abuse';
import { limitKeyForIp } from '../../platform/web/network';
import { consumeCountersSql, counterResults, type LimitRule } from '../../platform/web/rate-limits';
import { RateLimited } from '../../platform/web/errors';

interface ConfirmedRef {
  letterId: string;
  language: Language;
  signatureId: string;
}

/**
 * What the confirming statement knows of the signature it has just confirmed and of its letter:
 * enough for the confirmed page's "find my name" link (features/signatories decides whether the
 * row is public) without reading the row again. `key`: confirmed_at in UTC with microseconds.
 */
export interface ConfirmedRowFacts {
  status: string;
  heldReason: string | null;
  hidden: boolean;
  visibility: string;
  key: string;
  slug: string;
  letterStatus: string;
  letterReviewState: string;
}
export type ConfirmOutcome =
  /** `count`: the letter's verified count as this statement left it, for the confirmed page. */
  | ({ kind: 'confirmed'; count: number; facts: ConfirmedRowFacts | null } & ConfirmedRef)
  | ({ kind: 'already-confirmed'; count: number } & ConfirmedRef)
  | { kind: 'expired' }
  | { kind: 'bounced' }
  | { kind: 'unknown' };

export type ConfirmationView =
  | {
      kind: 'pending';
      letterId: string;
      fullName: string;
      visibility: Visibility;
      organisation: string | null;
      occupation: string | null;
      comment: string | null;
      commentAnonymous: boolean;
    }
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
    organisation: string | null;
    occupation: string | null;
    comment: string | null;
    comment_anonymous: boolean;
  }>({
    name: 'confirm-read',
    text: `SELECT s.id AS signature_id, s.letter_id, s.full_name, s.visibility, s.language, s.status, t.expires_at <= now() AS expired,
                  s.organisation, s.occupation, s.comment, s.comment_anonymous
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
  return {
    kind: 'pending',
    letterId: row.letter_id,
    fullName: row.full_name,
    visibility: row.visibility,
    organisation: row.organisation,
    occupation: row.occupation,
    comment: row.comment,
    commentAnonymous: row.comment_anonymous,
  };
}

/**
 * The confirming statement ($1: the token's hash, $2: the visibility chosen on the page or null).
 * With `counted`, it first consumes the press's flood counter ($3 keys, $4 expiries, $5 now, as
 * `consumeCountersSql` takes them, $6 the limit) and changes nothing beyond the limit: one round
 * trip and one commit for the counter and the confirmation.
 *
 * The plan must stay right while the tables grow tenfold in a minute, before autovacuum has
 * refreshed the statistics: `s.status || ''` is the status compared so that the partial index
 * of pending signatures (signatures_pending_created, for the retention sweep) cannot serve this
 * condition. With statistics that say "hardly anything is pending" the planner otherwise reads
 * that whole index (every pending signature) for each confirmation: 600 ms with 100,000 pending,
 * against a primary-key lookup of well under a millisecond, in every plan, custom or generic.
 */
export function confirmSignatureSql(counted: boolean): string {
  return `WITH ${counted ? `lim AS (\n       ${consumeCountersSql('$3', '$4', '$5')}\n     ), ` : ''}t AS (
       SELECT id, signature_id, expires_at <= now() AS expired FROM tokens
        WHERE token_hash = $1 AND purpose = 'confirm' AND signature_id IS NOT NULL
     ), upd AS (
       UPDATE signatures s SET status = 'confirmed', confirmed_at = now(), visibility = coalesce($2::varchar, s.visibility),
              -- A name made private here takes its comment with it, unless the signer allowed it without a name.
              comment = CASE WHEN coalesce($2::varchar, s.visibility) = 'private' AND NOT s.comment_anonymous THEN NULL ELSE s.comment END,
              comment_status = CASE WHEN coalesce($2::varchar, s.visibility) = 'private' AND NOT s.comment_anonymous THEN NULL ELSE s.comment_status END
         FROM t WHERE s.id = t.signature_id AND (s.status || '') = 'pending' AND NOT t.expired${
           counted ? '\n          AND NOT EXISTS (SELECT 1 FROM lim WHERE points > $6::int)' : ''
         }
       RETURNING s.id, s.letter_id, s.country, s.held_reason, s.status, s.hidden, s.visibility,
                 to_char(s.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS confirmed_key
     ), used AS (
       UPDATE tokens SET used_at = now() WHERE id = (SELECT id FROM t) AND EXISTS (SELECT 1 FROM upd)
     ), delta AS (
       ${appendCountDeltas('SELECT letter_id, country, 1 FROM upd WHERE held_reason IS NULL')}
     )
     SELECT s.id AS signature_id, s.letter_id, s.language, s.status, t.expired, EXISTS (SELECT 1 FROM upd) AS confirmed,
            -- The count the confirmed page shows, this confirmation included (the statement does
            -- not see the delta it adds itself).
            ${verifiedCountOf('s.letter_id')} + (SELECT count(*) FROM upd WHERE held_reason IS NULL) AS count,
            -- The confirmed row as this statement left it, with its letter: "find my name" on the confirmed page.
            (SELECT json_build_object('status', u.status, 'heldReason', u.held_reason, 'hidden', u.hidden, 'visibility', u.visibility,
                                      'key', u.confirmed_key, 'slug', l.slug, 'letterStatus', l.status, 'letterReviewState', l.review_state)
               FROM upd u JOIN letters l ON l.id = u.letter_id) AS facts,
            ${counted ? "(SELECT json_agg(json_build_object('key', key, 'points', points, 'expire', expire)) FROM lim)" : 'NULL::json'} AS counted
       FROM ${counted ? '(SELECT 1) one LEFT JOIN t ON true' : 't'} LEFT JOIN signatures s ON s.id = t.signature_id`;
}

export const CONFIRM_SIGNATURE_SQL = confirmSignatureSql(false);
export const CONFIRM_SIGNATURE_COUNTED_SQL = confirmSignatureSql(true);

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
  meta: { ip: string } | null = null,
): Promise<ConfirmOutcome> {
  // The press counts against the sender's network on every answer (the flood middleware leaves
  // this route to it): with the counters in PostgreSQL, inside the confirming statement.
  const flood: Array<[LimitRule, string]> = meta
    ? [[floodRule(ctx.config), limitKeyForIp(ctx.config.SESSION_SECRET, meta.ip)]]
    : [];
  const batch = meta && isWellFormedToken(rawToken) ? ctx.limits.inStatement(flood) : null;
  if (meta && !batch) await consumeFlood(ctx, meta.ip);
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  const { rows } = await pgPool(ctx.db).query<{
    signature_id: string | null;
    letter_id: string | null;
    language: Language | null;
    status: Signature['status'] | null;
    expired: boolean;
    confirmed: boolean;
    count: string | null;
    facts: ConfirmedRowFacts | null;
    counted: Array<{ key: string; points: number; expire: string }> | null;
  }>(
    batch
      ? {
          name: 'confirm-signature-counted',
          text: CONFIRM_SIGNATURE_COUNTED_SQL,
          values: [hashToken(rawToken), visibility, batch.keys, batch.expires, batch.now, flood[0][0].points],
        }
      : { name: 'confirm-signature', text: CONFIRM_SIGNATURE_SQL, values: [hashToken(rawToken), visibility] },
  );
  if (batch) {
    const [counted] = counterResults(batch, rows[0]?.counted ?? []);
    // Beyond the limit the statement changed nothing.
    if (!counted.ok) throw new RateLimited(counted.retryAfterSeconds);
  }
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
    return { kind: 'confirmed', ...ref, facts: row.facts };
  }
  if (row.status === 'confirmed') return { kind: 'already-confirmed', ...ref };
  if (row.expired) return { kind: 'expired' };
  // Pending in this statement's snapshot, not expired, yet not changed by it: a click at the same
  // moment confirmed it first.
  return { kind: 'already-confirmed', ...ref };
}
