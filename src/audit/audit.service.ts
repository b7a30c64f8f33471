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

/** The kinds of action a letter's trail holds, for the filter of the owners' page. */
export async function auditKinds(db: DataSource | EntityManager, letterId: string): Promise<string[]> {
  const rows = await db.query<Array<{ kind: string }>>(`SELECT DISTINCT kind FROM audit_events WHERE letter_id = $1 ORDER BY kind`, [letterId]);
  return rows.map((r) => r.kind);
}

/** One line of the trail's summary: what was done, how often (or to how many), by whom, on which day. */
export interface AuditSummaryGroup {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  kind: string;
  /** Null when the platform acted by itself. */
  actorId: string | null;
  actorName: string | null;
  /** Why, as a public category (e.g. `duplicate-person`), when the action has one. */
  category: string | null;
  /** The sum of the events' `count` (signatures invalidated with a domain, rows imported), 1 per event without one. */
  count: number;
}

/** Runs one query and answers its rows: a TypeORM manager, or a pg client inside a snapshot. */
export type QueryRows = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * A letter's trail grouped per UTC day, actor, kind and category, oldest first: what the PDF
 * delivery pack summarises on its last page. Nothing personal comes out of it: the free-text
 * reason and every other detail stay behind; only the category goes, and for a single
 * invalidation it is read from the signature (chosen with the decision, public as a count).
 */
export async function auditSummary(query: QueryRows, letterId: string): Promise<AuditSummaryGroup[]> {
  const rows = await query(
    `SELECT to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, e.kind, e.actor_id, e.actor_name,
            COALESCE(e.detail->>'category', s.invalidated_category) AS category,
            sum(CASE WHEN jsonb_typeof(e.detail->'count') = 'number' THEN (e.detail->>'count')::bigint ELSE 1 END) AS n,
            min(e.id) AS first
       FROM audit_events e
       LEFT JOIN signatures s ON e.kind = 'organisers.signature-invalidated' AND s.id::text = e.detail->>'signatureId'
      WHERE e.letter_id = $1
      GROUP BY 1, 2, 3, 4, 5
      ORDER BY first`,
    [letterId],
  );
  return rows.map((r) => ({
    day: String(r.day),
    kind: String(r.kind),
    actorId: (r.actor_id as string | null) ?? null,
    actorName: (r.actor_name as string | null) ?? null,
    category: (r.category as string | null) ?? null,
    count: Number(r.n),
  }));
}
