import type { DataSource, EntityManager } from 'typeorm';
import type { AuditActor } from '../../core/audit';

/**
 * An entry of the instance's own trail: what an admin did to the instance (settings, organisers,
 * moderation decisions). `action` is `admin.<verb>` or `<feature>.<verb>`; the trail page labels
 * it with `t('<catalogue>:instanceAudit.<verb>', detail)`. `detail` names organisers by id and
 * name, never by address (the trail is append-only: nothing in it could be erased later).
 */
export interface InstanceAuditEntry {
  actor: AuditActor | null;
  action: `${string}.${string}`;
  detail?: Record<string, unknown>;
}

export interface InstanceAuditRow {
  id: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  detail: Record<string, unknown>;
  createdAt: Date;
}

/** Appends to the instance's trail; call it in the transaction of the action it records. */
export async function recordInstanceAudit(tx: DataSource | EntityManager, entry: InstanceAuditEntry): Promise<void> {
  await tx.query(`INSERT INTO instance_audit (actor_id, actor_name, action, detail) VALUES ($1, $2, $3, $4::jsonb)`, [
    entry.actor?.id ?? null,
    entry.actor ? entry.actor.name.trim() : null,
    entry.action,
    JSON.stringify(entry.detail ?? {}),
  ]);
}

/** Entries per page of the trail. */
export const INSTANCE_AUDIT_PAGE = 100;

/** One page of the trail, newest first; `before` is the id of the last entry of the page before. */
export async function listInstanceAudit(
  db: DataSource | EntityManager,
  opts: { before?: string; limit?: number } = {},
): Promise<{ entries: InstanceAuditRow[]; next: string | null }> {
  const limit = opts.limit ?? INSTANCE_AUDIT_PAGE;
  const rows = await db.query<
    Array<{
      id: string;
      actor_id: string | null;
      actor_name: string | null;
      action: string;
      detail: Record<string, unknown>;
      created_at: Date;
    }>
  >(
    `SELECT id, actor_id, actor_name, action, detail, created_at FROM instance_audit
      WHERE $1::bigint IS NULL OR id < $1 ORDER BY id DESC LIMIT $2`,
    [opts.before ?? null, limit + 1],
  );
  const entries = rows.slice(0, limit).map((r) => ({
    id: String(r.id),
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    detail: r.detail,
    createdAt: r.created_at,
  }));
  return { entries, next: rows.length > limit ? entries[entries.length - 1].id : null };
}
