import type { DataSource } from 'typeorm';
import { auditKinds, type AuditEvent, listAudit } from '../../core/audit';

/** How many entries the owners' page shows at once, newest first; a filter by kind reaches older ones. */
export const AUDIT_PAGE_LIMIT = 500;

export interface AuditTrailPage {
  events: AuditEvent[];
  /** Every kind of action the letter's trail holds (for the filter), whatever is shown. */
  kinds: string[];
  /** Organisers named in the entries, by id, as they are now: their name, when they gave one (never their address). */
  organisers: Map<string, string>;
  limited: boolean;
}

/**
 * A letter's trail for its owners. The trail keeps an organiser's name as it was when they acted;
 * one who gave no name is "an organiser", as in the delivery pack (no address is shown, nor kept
 * in the trail, since nothing in it can be erased). The erasable details are joined in by
 * listAudit.
 */
export async function auditTrailPage(db: DataSource, letterId: string, kind: string | null): Promise<AuditTrailPage> {
  const [events, kinds] = await Promise.all([
    listAudit(db, letterId, { kind: kind ?? undefined, limit: AUDIT_PAGE_LIMIT }),
    auditKinds(db, letterId),
  ]);
  const ids = new Set<string>();
  for (const e of events) {
    if (e.actorId) ids.add(e.actorId);
    if (typeof e.detail.organiserId === 'string') ids.add(e.detail.organiserId);
  }
  const rows = ids.size
    ? await db.query<Array<{ id: string; name: string }>>(
        `SELECT id, name FROM organisers WHERE id = ANY($1::uuid[]) AND name <> ''`,
        [[...ids]],
      )
    : [];
  return {
    events,
    kinds,
    organisers: new Map(rows.map((r) => [r.id, r.name])),
    limited: events.length === AUDIT_PAGE_LIMIT,
  };
}
