import type { DataSource } from 'typeorm';
import { auditKinds, type AuditEvent, listAudit } from '../audit';

/** How many entries the owners' page shows at once, newest first; a filter by kind reaches older ones. */
export const AUDIT_PAGE_LIMIT = 500;

export interface AuditTrailPage {
  events: AuditEvent[];
  /** Every kind of action the letter's trail holds (for the filter), whatever is shown. */
  kinds: string[];
  /** Organisers named in the entries, by id, as they are now: the name, or the address when they gave none. */
  organisers: Map<string, string>;
  limited: boolean;
}

/**
 * A letter's trail for its owners. The trail keeps an organiser's name as it was when they acted;
 * one who gave no name is shown by their address as it is now (the trail itself holds no address,
 * since nothing in it can be erased).
 */
export async function auditTrailPage(db: DataSource, letterId: string, kind: string | null): Promise<AuditTrailPage> {
  const [events, kinds] = await Promise.all([listAudit(db, letterId, { kind: kind ?? undefined, limit: AUDIT_PAGE_LIMIT }), auditKinds(db, letterId)]);
  const ids = new Set<string>();
  for (const e of events) {
    if (e.actorId) ids.add(e.actorId);
    if (typeof e.detail.organiserId === 'string') ids.add(e.detail.organiserId);
  }
  const rows = ids.size
    ? await db.query<Array<{ id: string; name: string; email: string }>>(`SELECT id, name, email FROM organisers WHERE id = ANY($1::uuid[])`, [[...ids]])
    : [];
  return {
    events,
    kinds,
    organisers: new Map(rows.map((r) => [r.id, r.name || r.email])),
    limited: events.length === AUDIT_PAGE_LIMIT,
  };
}
