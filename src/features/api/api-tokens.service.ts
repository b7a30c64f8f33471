import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { type MemberAccessFn, organiserNames } from '../../core/access';
import { NotFound } from '../../platform/web/errors';
import { ApiToken } from './api-token.entity';
import type { TokenForm } from './api.schema';

/** A token reads `usk_` and 43 characters of base64url (256 random bits). */
const TOKEN_PREFIX = 'usk_';
const TOKEN_SHAPE = /^usk_[A-Za-z0-9_-]{43}$/;

export function hashApiToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** Creates a token; the one time the token itself exists is in the answer (the page shows it once). */
export async function createApiToken(
  ctx: AppContext,
  letter: Letter,
  form: TokenForm,
  actor: AuditActor,
): Promise<{ token: string; record: ApiToken }> {
  const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
  return ctx.db.transaction(async (tx) => {
    const record = await tx.save(
      tx.create(ApiToken, {
        letterId: letter.id,
        name: form.name,
        tokenHash: hashApiToken(token),
        forDelivery: form.forDelivery,
        createdBy: actor.id,
        // It works through the whole day chosen (UTC).
        expiresAt: form.expiresOn ? new Date(`${form.expiresOn}T23:59:59.999Z`) : null,
      }),
    );
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'api.token-created',
      detail: {
        tokenId: record.id,
        name: form.name,
        forDelivery: form.forDelivery,
        ...(form.expiresOn ? { expiresOn: form.expiresOn } : {}),
      },
    });
    ctx.log.info({ letterId: letter.id, tokenId: record.id }, 'api token created');
    return { token, record };
  });
}

export type ListedApiToken = ApiToken & { creatorName: string | null };

/** A letter's tokens, newest first, each with its creator's name (null: no organiser any more). */
export async function listApiTokens(db: DataSource, letterId: string): Promise<ListedApiToken[]> {
  const tokens = await db.getRepository(ApiToken).find({ where: { letterId }, order: { createdAt: 'DESC' } });
  const names = await organiserNames(
    db,
    tokens.map((tok) => tok.createdBy),
  );
  return tokens.map((tok) =>
    Object.assign(tok, { creatorName: tok.createdBy ? (names.get(tok.createdBy) ?? null) : null }),
  );
}

/** For the owners' confirmation before a member leaves: the live tokens that member created. */
export const apiTokensOfMember: MemberAccessFn = async (db, letterId, organiserId) => {
  const rows = await db.query<Array<{ name: string }>>(
    `SELECT name FROM api_tokens WHERE letter_id = $1 AND created_by = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at`,
    [letterId, organiserId],
  );
  return { heading: 'api.nav.tokens', items: rows.map((r) => r.name) };
};

/** Revokes a token of this letter (at once: the next request with it is refused). */
export async function revokeApiToken(
  ctx: AppContext,
  letter: Letter,
  tokenId: string,
  actor: AuditActor,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [rows]: [Array<{ name: string }>, number] = await tx.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND letter_id = $2 AND revoked_at IS NULL RETURNING name`,
      [tokenId, letter.id],
    );
    if (!rows.length) throw new NotFound();
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'api.token-revoked',
      detail: { tokenId, name: rows[0].name },
    });
  });
  ctx.log.info({ letterId: letter.id, tokenId }, 'api token revoked');
}

export interface AuthenticatedToken {
  id: string;
  letterId: string;
  forDelivery: boolean;
}

/**
 * The live token a bearer string names, or null (unknown, malformed, revoked or expired). One statement
 * finds it and notes its use, writing `last_used_at` at most once a minute: a busy integration
 * does not turn every request into a row update.
 */
export async function authenticateApiToken(db: DataSource, bearer: string): Promise<AuthenticatedToken | null> {
  if (!TOKEN_SHAPE.test(bearer)) return null;
  const rows = await db.query<Array<{ id: string; letter_id: string; for_delivery: boolean }>>(
    `WITH t AS (SELECT id, letter_id, for_delivery FROM api_tokens
                WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())),
          used AS (UPDATE api_tokens a SET last_used_at = now() FROM t
                    WHERE a.id = t.id AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval '1 minute'))
     SELECT id, letter_id, for_delivery FROM t`,
    [hashApiToken(bearer)],
  );
  const row = rows[0];
  return row ? { id: row.id, letterId: row.letter_id, forDelivery: row.for_delivery } : null;
}
