import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Token, type TokenPurpose } from './token.entity';

export function hashToken(raw: string): string {
  return crypto.createHash('sha256').update(raw, 'utf8').digest('hex');
}

/** Withdrawal links stay valid for a year: people withdraw from mail they kept. */
export const WITHDRAW_TOKEN_TTL_HOURS = 24 * 365;

/** 256 random bits, URL-safe. Only the hash is stored. */
export function rawToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export async function issueToken(
  tx: EntityManager,
  purpose: TokenPurpose,
  owner: { signatureId?: string; organiserId?: string },
  ttlHours: number,
): Promise<string> {
  const raw = rawToken();
  await tx.insert(Token, {
    tokenHash: hashToken(raw),
    purpose,
    signatureId: owner.signatureId ?? null,
    organiserId: owner.organiserId ?? null,
    expiresAt: new Date(Date.now() + ttlHours * 3600_000),
  });
  return raw;
}

/**
 * Several tokens for one signature in ONE statement (an email carries a confirmation link and a
 * withdrawal link): one round trip instead of a transaction of four. Raw values in the order asked.
 */
export async function issueSignatureTokens(
  db: DataSource | EntityManager,
  signatureId: string,
  wanted: Array<{ purpose: TokenPurpose; ttlHours: number }>,
): Promise<string[]> {
  const raws = wanted.map(rawToken);
  await db.query(
    `INSERT INTO tokens (token_hash, purpose, signature_id, expires_at)
     SELECT h, p, $1, now() + t * interval '1 hour' FROM unnest($2::text[], $3::text[], $4::float8[]) AS x(h, p, t)`,
    [signatureId, raws.map(hashToken), wanted.map((w) => w.purpose), wanted.map((w) => w.ttlHours)],
  );
  return raws;
}

/** Whether a raw token can be one of ours (256 bits, base64url): anything else is unknown at once. */
export function isWellFormedToken(raw: string): boolean {
  return /^[A-Za-z0-9_-]{20,100}$/.test(raw);
}

/** Finds a token by its raw value, locking it so that two clicks are served one after the other. */
export async function findTokenForUpdate(tx: EntityManager, raw: string, purpose: TokenPurpose): Promise<Token | null> {
  if (!isWellFormedToken(raw)) return null;
  return tx
    .getRepository(Token)
    .createQueryBuilder('t')
    .setLock('pessimistic_write')
    .where('t.token_hash = :h AND t.purpose = :p', { h: hashToken(raw), p: purpose })
    .getOne();
}

export function isExpired(token: Token, now = new Date()): boolean {
  return token.expiresAt.getTime() <= now.getTime();
}
