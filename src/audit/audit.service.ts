import type { DataSource, EntityManager } from 'typeorm';
import { AuditEvent } from './audit-event.entity';

/** Who acted: an organiser (id and name as shown to the team), or the platform itself (null). */
export interface AuditActor {
  id: string;
  name: string;
}

/**
 * `kind` is `<catalogue>.<action>`, e.g. `organisers.letter-edited` or `abuse.group-released`: the
 * dashboard labels it with `t('<catalogue>:audit.<action>', detail)`, so each feature names its own
 * actions in its own message catalogue.
 */
export interface AuditEntry {
  letterId: string;
  actor: AuditActor | null;
  kind: `${string}.${string}`;
  detail?: Record<string, unknown>;
}

/**
 * Appends one event to a letter's trail. Call it with the transaction that makes the change, so
 * the change and its record land together or not at all.
 */
export async function recordAudit(tx: EntityManager | DataSource, entry: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail) VALUES ($1, $2, $3, $4, $5)`,
    [entry.letterId, entry.actor?.id ?? null, entry.actor?.name ?? null, entry.kind, JSON.stringify(entry.detail ?? {})],
  );
}

/** A letter's trail, newest first; `kind` narrows it to one kind of action. */
export async function listAudit(
  db: DataSource | EntityManager,
  letterId: string,
  opts: { kind?: string; limit?: number } = {},
): Promise<AuditEvent[]> {
  const q = db
    .getRepository(AuditEvent)
    .createQueryBuilder('a')
    .where('a.letter_id = :letterId', { letterId })
    .orderBy('a.created_at', 'DESC')
    .addOrderBy('a.id', 'DESC')
    .limit(opts.limit ?? 500);
  if (opts.kind) q.andWhere('a.kind = :kind', { kind: opts.kind });
  return q.getMany();
}
