import net, { BlockList } from 'node:net';
import type { DataSource } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import { emailDomain } from '../../platform/mail/email-address';
import type { Config } from '../../platform/config';
import type { LimitResult } from '../../platform/web/rate-limits';
import { softRules, type SoftLimit, type SoftRule } from './limits';
import { isDisposableDomain } from './disposable';
import { PUBLIC_MAIL_PROVIDERS } from './mail-providers';
import { MicroCache } from '../../platform/web/micro-cache';
import { limitKeyFor, limitKeyForIp } from '../../platform/web/network';

/** Why a signature is held for review instead of counted; stored in `signatures.held_reason`. */
export type HeldReason = SoftLimit | 'disposable-domain' | 'challenge-missing';

/**
 * The soft counters a submission consumes: per IP (unless the letter allows the signer's
 * network), per normalised email and per email domain.
 */
export function softChecks(
  config: Config,
  signer: { ip: string; normalisedEmail: string },
  opts: { perIp: boolean },
): Array<[SoftRule, string]> {
  const secret = config.SESSION_SECRET;
  const rules = softRules(config);
  const domain = emailDomain(signer.normalisedEmail);
  const emailKey = limitKeyFor(secret, 'email', signer.normalisedEmail);
  const checks: Array<[SoftRule, string]> = [
    [rules['burst-email'], emailKey],
    [rules['sustained-email'], emailKey],
  ];
  if (opts.perIp) {
    const ipKey = limitKeyForIp(secret, signer.ip);
    checks.unshift([rules['burst-ip'], ipKey], [rules['sustained-ip'], ipKey]);
  }
  // Gmail or Outlook is shared by millions: only an organisation's own domain is counted.
  if (domain && !PUBLIC_MAIL_PROVIDERS.has(domain)) {
    const domainKey = limitKeyFor(secret, 'domain', domain);
    checks.push([rules['burst-domain'], domainKey], [rules['sustained-domain'], domainKey]);
  }
  return checks;
}

/**
 * Decides whether a new signature is held for review, from the soft counters `softChecks` named
 * and their results. Every counter is consumed on every submission (the answer does not depend
 * on which one tripped first), and the caller answers the signer exactly as for any other
 * signature: a bot learns nothing from the response.
 */
export function holdReason(
  normalisedEmail: string,
  checks: Array<[SoftRule, string]>,
  results: LimitResult[],
): HeldReason | null {
  if (isDisposableDomain(emailDomain(normalisedEmail))) return 'disposable-domain';
  const tripped = checks.find((_, i) => !results[i]?.ok);
  return tripped ? tripped[0].name : null;
}

/**
 * Each letter's allowed networks, read at most every few seconds per process (a signature must
 * not pay a query for a list that almost never changes) and matched in memory. Changes made in
 * this process apply at once; another process sees them within five seconds.
 */
const allowedNetworks = new MicroCache<BlockList | null>(5_000);

function loadAllowedNetworks(db: DataSource, letterId: string): Promise<BlockList | null> {
  return allowedNetworks.get(letterId, async () => {
    const rows: Array<{ addr: string; bits: number; family: number }> = await db.query(
      'SELECT host(cidr) AS addr, masklen(cidr) AS bits, family(cidr) AS family FROM letter_allowed_networks WHERE letter_id = $1',
      [letterId],
    );
    if (!rows.length) return null;
    const list = new BlockList();
    for (const r of rows) list.addSubnet(r.addr, r.bits, r.family === 6 ? 'ipv6' : 'ipv4');
    return list;
  });
}

/** Whether `ip` lies in one of the letter's allowed networks. */
export async function isAllowedNetwork(db: DataSource, letterId: string, ip: string): Promise<boolean> {
  const family = net.isIP(ip);
  if (!family) return false;
  // BlockList matches an IPv4-mapped IPv6 address (::ffff:192.0.2.7) against IPv4 networks.
  return (await loadAllowedNetworks(db, letterId))?.check(ip, family === 6 ? 'ipv6' : 'ipv4') ?? false;
}

export interface AllowedNetwork {
  id: string;
  cidr: string;
  note: string | null;
  createdAt: Date;
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

/**
 * Adds a network; an existing one keeps its place and takes the new note. The owner's action is
 * recorded in the letter's audit trail with the network (an organisation's, typed by the owner).
 */
export async function addAllowedNetwork(
  db: DataSource,
  letterId: string,
  cidr: string,
  note: string | null,
  actor: AuditActor | null,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<Array<{ cidr: string }>>(
      `INSERT INTO letter_allowed_networks (letter_id, cidr, note) VALUES ($1, network($2::inet)::cidr, $3)
       ON CONFLICT (letter_id, cidr) DO UPDATE SET note = excluded.note
       RETURNING cidr::text AS cidr`,
      [letterId, cidr, note],
    );
    await recordAudit(tx, { letterId, actor, kind: 'abuse.network-allowed', detail: { cidr: row.cidr, note } });
  });
  allowedNetworks.forget(letterId);
}

export async function removeAllowedNetwork(
  db: DataSource,
  letterId: string,
  id: string,
  actor: AuditActor | null,
): Promise<boolean> {
  const removed = await db.transaction(async (tx) => {
    const rows = await tx.query<Array<{ cidr: string }>>(
      `WITH d AS (DELETE FROM letter_allowed_networks WHERE letter_id = $1 AND id = $2 RETURNING cidr) SELECT cidr::text AS cidr FROM d`,
      [letterId, id],
    );
    if (rows.length)
      await recordAudit(tx, { letterId, actor, kind: 'abuse.network-removed', detail: { cidr: rows[0].cidr } });
    return rows.length > 0;
  });
  allowedNetworks.forget(letterId);
  return removed;
}
