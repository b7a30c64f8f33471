import net from 'node:net';
import type { DataSource } from 'typeorm';
import type { AppContext } from '../context';
import { emailDomain } from '../signatures/email-address';
import type { SoftLimit } from '../web/rate-limits';
import { isDisposableDomain } from './disposable';
import { PUBLIC_MAIL_PROVIDERS } from './mail-providers';
import { limitKeyFor, limitKeyForIp } from './network';

/** Why a signature is held for review instead of counted; stored in `signatures.held_reason`. */
export type HeldReason = SoftLimit | 'disposable-domain';

/**
 * Decides whether a new signature is held for review. Every soft counter is consumed on every
 * submission (the answer does not depend on which one tripped first), and the caller answers the
 * signer exactly as for any other signature: a bot learns nothing from the response.
 */
export async function holdReason(
  ctx: AppContext,
  letterId: string,
  signer: { ip: string; normalisedEmail: string },
): Promise<HeldReason | null> {
  const secret = ctx.config.SESSION_SECRET;
  const domain = emailDomain(signer.normalisedEmail);
  const checks: Array<[SoftLimit, string]> = [
    ['burst-email', limitKeyFor(secret, 'email', signer.normalisedEmail)],
    ['sustained-email', limitKeyFor(secret, 'email', signer.normalisedEmail)],
  ];
  // A university or a newsroom behind one address is allowed by the letter's organisers.
  if (!(await isAllowedNetwork(ctx.db, letterId, signer.ip))) {
    const ipKey = limitKeyForIp(secret, signer.ip);
    checks.unshift(['burst-ip', ipKey], ['sustained-ip', ipKey]);
  }
  if (domain && !PUBLIC_MAIL_PROVIDERS.has(domain)) {
    checks.push(['burst-domain', limitKeyFor(secret, 'domain', domain)], ['sustained-domain', limitKeyFor(secret, 'domain', domain)]);
  }
  const results = await ctx.limits.soft(checks);
  if (isDisposableDomain(domain)) return 'disposable-domain';
  const tripped = checks.find((_, i) => !results[i].ok);
  return tripped ? tripped[0] : null;
}

export interface AllowedNetwork {
  id: string;
  cidr: string;
  note: string | null;
  createdAt: Date;
}

/** Whether `ip` lies in one of the letter's allowed networks (matched by PostgreSQL's inet). */
export async function isAllowedNetwork(db: DataSource, letterId: string, ip: string): Promise<boolean> {
  if (!net.isIP(ip)) return false;
  const rows: unknown[] = await db.query(
    'SELECT 1 FROM letter_allowed_networks WHERE letter_id = $1 AND $2::inet <<= cidr LIMIT 1',
    [letterId, ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1')],
  );
  return rows.length > 0;
}

export async function listAllowedNetworks(db: DataSource, letterId: string): Promise<AllowedNetwork[]> {
  const rows: Array<{ id: string; cidr: string; note: string | null; created_at: Date }> = await db.query(
    'SELECT id, cidr::text AS cidr, note, created_at FROM letter_allowed_networks WHERE letter_id = $1 ORDER BY created_at, cidr',
    [letterId],
  );
  return rows.map((r) => ({ id: r.id, cidr: r.cidr, note: r.note, createdAt: r.created_at }));
}

/**
 * Normalises "192.0.2.7", "192.0.2.0/24" or "2001:db8::/48" to a network; null when it is not
 * one. Host bits are cleared (192.0.2.7/24 → 192.0.2.0/24) as PostgreSQL's cidr type wants.
 * Networks wider than /16 (IPv4) or /32 (IPv6) are refused: they would switch the limits off.
 */
export function parseNetwork(input: string): { cidr: string } | null {
  const [addr, bitsText, ...rest] = input.trim().split('/');
  if (rest.length || !addr) return null;
  const family = net.isIP(addr);
  if (!family) return null;
  const max = family === 4 ? 32 : 128;
  const min = family === 4 ? 16 : 32;
  const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!Number.isInteger(bits) || bits < min || bits > max) return null;
  return { cidr: `${addr}/${bits}` };
}

/** Adds a network; an existing one keeps its place and takes the new note. */
export async function addAllowedNetwork(db: DataSource, letterId: string, cidr: string, note: string | null): Promise<void> {
  await db.query(
    `INSERT INTO letter_allowed_networks (letter_id, cidr, note) VALUES ($1, network($2::inet)::cidr, $3)
     ON CONFLICT (letter_id, cidr) DO UPDATE SET note = excluded.note`,
    [letterId, cidr, note],
  );
}

export async function removeAllowedNetwork(db: DataSource, letterId: string, id: string): Promise<boolean> {
  const [, affected] = await db.query<[unknown, number]>('DELETE FROM letter_allowed_networks WHERE letter_id = $1 AND id = $2', [
    letterId,
    id,
  ]);
  return affected > 0;
}
