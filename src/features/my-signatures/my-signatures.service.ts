import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import type { Language } from '../../platform/web/languages';
import type { Visibility } from '../../platform/web/visibility';
import { chooseTranslation, findLetterById } from '../../core/letters/letters.service';
import { publicStatus } from '../../core/letters/letter.entity';
import { normaliseEmail } from '../../platform/mail/email-address';
import { enqueue } from '../../platform/mail/queue';
import { limitKeyForIp } from '../../platform/web/network';
import { NotFound, RateLimited } from '../../platform/web/errors';
import { hashToken, isWellFormedToken, mailRequestRules } from '../../core/tokens';
import { initialsOf, withdrawSignatureOfAddress } from '../signatures';

/** How long an emailed link works. */
export const MY_SIGNATURES_LINK_TTL_HOURS = 24;

export const TASK_MY_SIGNATURES_EMAIL = 'my-signatures-email';

export interface MySignaturesEmailJob {
  linkId: string;
}

/**
 * The per-address counter of these requests: a keyed hash, with a label of its own so that
 * asking for this link and signing do not spend each other's allowance.
 */
function addressKey(secret: string, normalised: string): string {
  return crypto.createHmac('sha256', secret).update(`my-signatures:${normalised}`).digest('hex').slice(0, 32);
}

/** What is stored of a browser session: its hash, never the value its cookie carries. */
export function sessionHash(sessionId: string): string {
  return crypto.createHash('sha256').update(`my-signatures-session:${sessionId}`, 'utf8').digest('hex');
}

/**
 * "Send me a link to my signatures". The same work and the same answer whatever the address:
 * the request and its email job are written in one transaction, and the worker decides whether
 * the address has anything to show (no signature: no email, and the request is deleted). Limits
 * as for the manage link: per network (the /64 for IPv6) and per address, each answered 429.
 */
export async function requestMySignaturesLink(
  ctx: AppContext,
  email: string,
  meta: { ip: string; language: Language },
): Promise<void> {
  const secret = ctx.config.SESSION_SECRET;
  const rules = mailRequestRules(ctx.config);
  const ipLimit = await ctx.limits.consume(rules.perNetwork, limitKeyForIp(secret, meta.ip));
  if (!ipLimit.ok) throw new RateLimited(ipLimit.retryAfterSeconds);
  const normalised = normaliseEmail(email);
  const addressLimit = await ctx.limits.consume(rules.perAddress, addressKey(secret, normalised));
  if (!addressLimit.ok) throw new RateLimited(addressLimit.retryAfterSeconds);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<Array<{ id: string }>>(
      `INSERT INTO my_signatures_links (email, email_normalised, language, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 hour') RETURNING id`,
      [email, normalised, meta.language, MY_SIGNATURES_LINK_TTL_HOURS],
    );
    await enqueue(tx, TASK_MY_SIGNATURES_EMAIL, { linkId: row.id } satisfies MySignaturesEmailJob);
    ctx.log.info({ linkId: row.id }, 'my-signatures link requested');
  });
}

export type LinkState =
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'unopened' }
  | { kind: 'used-elsewhere' }
  | { kind: 'granted'; linkId: string; emailNormalised: string };

/**
 * What an emailed link grants to this browser session (`sessionId`: the value of its cookie, if
 * any). Reads only: opening the link (GET) changes nothing, since mail scanners open links too.
 */
export async function readLink(ctx: AppContext, rawToken: string, sessionId: string | null): Promise<LinkState> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  const [row] = await ctx.db.query<
    Array<{ id: string; email_normalised: string; session_hash: string | null; expired: boolean }>
  >(
    `SELECT l.id, l.email_normalised, l.session_hash, l.expires_at <= now() OR t.expires_at <= now() AS expired
       FROM tokens t JOIN my_signatures_links l ON l.token_id = t.id
      WHERE t.token_hash = $1 AND t.purpose = 'my-signatures'`,
    [hashToken(rawToken)],
  );
  if (!row) return { kind: 'unknown' };
  if (row.expired) return { kind: 'expired' };
  if (!row.session_hash) return { kind: 'unopened' };
  if (!sessionId || row.session_hash !== sessionHash(sessionId)) return { kind: 'used-elsewhere' };
  return { kind: 'granted', linkId: row.id, emailNormalised: row.email_normalised };
}

/**
 * The first use of a link (the button on its page): it belongs to this browser session from now
 * on. One statement: of two sessions pressing at once, exactly one takes it (the other waits for
 * the row, sees it taken and gets "already used"). Using it again from the same session is fine.
 */
export async function openLink(ctx: AppContext, rawToken: string, sessionId: string): Promise<LinkState> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  await ctx.db.query(
    `WITH taken AS (
       UPDATE my_signatures_links l SET session_hash = $2, redeemed_at = now()
         FROM tokens t
        WHERE t.id = l.token_id AND t.token_hash = $1 AND t.purpose = 'my-signatures'
          AND l.session_hash IS NULL AND l.expires_at > now() AND t.expires_at > now()
       RETURNING t.id
     )
     UPDATE tokens SET used_at = now() WHERE id IN (SELECT id FROM taken)`,
    [hashToken(rawToken), sessionHash(sessionId)],
  );
  const state = await readLink(ctx, rawToken, sessionId);
  if (state.kind === 'granted') ctx.log.info({ linkId: state.linkId }, 'my-signatures link opened');
  return state;
}

export interface MySignature {
  id: string;
  status: 'pending' | 'confirmed';
  visibility: Visibility;
  wantsUpdates: boolean;
  fullName: string;
  /** What the public list shows when the name appears as initials. */
  initials: string;
  signedAt: Date;
  letter: { slug: string; title: string; language: Language; open: boolean };
}

/** Every signature of the address on this site that is pending or confirmed, oldest first. */
export async function listSignatures(ctx: AppContext, emailNormalised: string, lang: Language): Promise<MySignature[]> {
  const rows = await ctx.db.query<
    Array<{
      id: string;
      letter_id: string;
      status: 'pending' | 'confirmed';
      visibility: Visibility;
      wants_updates: boolean;
      full_name: string;
      created_at: Date;
    }>
  >(
    `SELECT id, letter_id, status, visibility, wants_updates, full_name, created_at FROM signatures
      WHERE email_normalised = $1 AND status IN ('pending', 'confirmed') ORDER BY created_at, id`,
    [emailNormalised],
  );
  const letters = new Map(
    await Promise.all(
      [...new Set(rows.map((r) => r.letter_id))].map(async (id) => [id, await findLetterById(ctx.db, id)] as const),
    ),
  );
  return rows.map((r) => {
    const letter = letters.get(r.letter_id)!;
    const version = chooseTranslation(letter.translations, letter.defaultLanguage, [lang]);
    return {
      id: r.id,
      status: r.status,
      visibility: r.visibility,
      wantsUpdates: r.wants_updates,
      fullName: r.full_name,
      initials: initialsOf(r.full_name),
      signedAt: r.created_at,
      letter: {
        slug: letter.slug,
        title: version.title,
        language: version.language,
        open: publicStatus(letter) === 'open',
      },
    };
  });
}

/** One signature of the address, for the withdrawal's confirmation page. */
export async function findSignature(
  ctx: AppContext,
  emailNormalised: string,
  signatureId: string,
  lang: Language,
): Promise<MySignature> {
  const sig = (await listSignatures(ctx, emailNormalised, lang)).find((s) => s.id === signatureId);
  if (!sig) throw new NotFound();
  return sig;
}

/** Changes one of the address's signatures; another address's, or one not pending or confirmed, is a 404. */
async function changeSignature(
  ctx: AppContext,
  emailNormalised: string,
  signatureId: string,
  set: string,
  value: unknown,
): Promise<void> {
  const [, changed] = await ctx.db.query<[unknown, number]>(
    `UPDATE signatures SET ${set} = $3 WHERE id = $1 AND email_normalised = $2 AND status IN ('pending', 'confirmed')`,
    [signatureId, emailNormalised, value],
  );
  if (!changed) throw new NotFound();
}

/** How the name appears on the letter's public list, from the next render of its page. */
export async function changeVisibility(
  ctx: AppContext,
  emailNormalised: string,
  signatureId: string,
  visibility: Visibility,
): Promise<void> {
  await changeSignature(ctx, emailNormalised, signatureId, 'visibility', visibility);
  ctx.log.info({ signatureId, visibility }, 'name display changed by its signer');
}

export async function changeUpdates(
  ctx: AppContext,
  emailNormalised: string,
  signatureId: string,
  wantsUpdates: boolean,
): Promise<void> {
  await changeSignature(ctx, emailNormalised, signatureId, 'wants_updates', wantsUpdates);
  ctx.log.info({ signatureId, wantsUpdates }, 'updates switched by their signer');
}

/** The emailed link's withdrawal (signatures' own), for one of the address's signatures. */
export async function withdraw(ctx: AppContext, emailNormalised: string, signatureId: string): Promise<void> {
  const result = await withdrawSignatureOfAddress(ctx, signatureId, emailNormalised);
  if (!result.done) throw new NotFound();
}

/**
 * Erasure on request (privacy's `eraseSigner`, in its transaction): the address's requests for
 * the link go, and with them their tokens, so a link already sent stops working.
 */
export async function forgetAddress(tx: EntityManager, emailNormalised: string): Promise<void> {
  await tx.query(
    `WITH gone AS (DELETE FROM my_signatures_links WHERE email_normalised = $1 RETURNING token_id)
     DELETE FROM tokens WHERE id IN (SELECT token_id FROM gone)`,
    [emailNormalised],
  );
}

/**
 * Requests and their tokens are deleted a day after they expire: the normalised address they
 * hold is kept no longer than the link needs it (the day lets an expired link say "expired").
 */
export async function sweepExpiredLinks(ctx: Pick<AppContext, 'db'>): Promise<void> {
  await ctx.db.query(`DELETE FROM my_signatures_links WHERE expires_at < now() - interval '1 day'`);
  await ctx.db.query(`DELETE FROM tokens WHERE purpose = 'my-signatures' AND expires_at < now() - interval '1 day'`);
}
