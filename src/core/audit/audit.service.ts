import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditEvent } from './audit-event.entity';

/**
 * Who acted: an organiser (id, and the name they go by: empty when they gave none, never their
 * address), or the platform itself (null).
 */
export interface AuditActor {
  id: string;
  name: string;
}

/**
 * How an actor is named wherever the trail is shown (owners' page, dashboard, delivery pack):
 * the platform, the organiser's name as recorded, or the catalogue's "unnamed organiser".
 */
export function actorLabel(
  actorId: string | null,
  actorName: string | null,
  labels: { platform: string; unnamed: string },
): string {
  if (actorId === null) return labels.platform;
  return actorName?.trim() || labels.unnamed;
}

/**
 * Keys of `detail` that hold free text typed by organisers (a reason, a note, a delivery's
 * recipient, an update's subject, the name of a link or a token, a member's name) or a signers'
 * mail domain. They are stored in `audit_details`, which retention and erasure can reach; the
 * trail row keeps only the reference.
 */
export const ERASABLE_DETAIL_KEYS: readonly string[] = [
  'reason',
  'note',
  'domain',
  'deliveredTo',
  'subject',
  'name',
  'member',
];

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
  /** More of the detail to keep erasable (e.g. a group key that is a mail domain), beyond ERASABLE_DETAIL_KEYS. */
  erasable?: Record<string, unknown>;
}

/**
 * Appends one event to a letter's trail. Call it with the transaction that makes the change, so
 * the change and its record land together or not at all. The erasable part of the detail goes
 * to `audit_details` in the same transaction; the trail row references it.
 */
export async function recordAudit(tx: EntityManager | DataSource, entry: AuditEntry): Promise<void> {
  const kept: Record<string, unknown> = {};
  const erasable: Record<string, unknown> = { ...entry.erasable };
  for (const [key, value] of Object.entries(entry.detail ?? {})) {
    if (value === undefined) continue;
    if (ERASABLE_DETAIL_KEYS.includes(key)) erasable[key] = value;
    else kept[key] = value;
  }
  // One statement, so the detail and its reference land together even outside a transaction.
  await tx.query(
    `WITH d AS (INSERT INTO audit_details (letter_id, detail) SELECT $1, $6::jsonb WHERE $6::jsonb IS NOT NULL RETURNING id)
     INSERT INTO audit_events (letter_id, actor_id, actor_name, kind, detail, detail_id) VALUES ($1, $2, $3, $4, $5, (SELECT id FROM d))`,
    [
      entry.letterId,
      entry.actor?.id ?? null,
      entry.actor ? entry.actor.name.trim() : null,
      entry.kind,
      JSON.stringify(kept),
      Object.keys(erasable).length ? JSON.stringify(erasable) : null,
    ],
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
  const events = await q.getMany();
  const ids = events.map((e) => e.detailId).filter((id): id is string => id !== null);
  const details = ids.length
    ? await db.query<Array<{ id: string; detail: Record<string, unknown> }>>(
        `SELECT id, detail FROM audit_details WHERE id = ANY($1::bigint[])`,
        [ids],
      )
    : [];
  const byId = new Map(details.map((d) => [String(d.id), d.detail]));
  for (const e of events) {
    const extra = e.detailId === null ? undefined : byId.get(String(e.detailId));
    e.detailErased = e.detailId !== null && !extra;
    if (extra) e.detail = { ...e.detail, ...extra };
  }
  return events;
}

/**
 * Deletes the erasable details of a letter's trail (all of them, or those older than `days`
 * days). The trail rows stay, with their reference: the owners' page then says the detail was
 * erased. Answers how many were deleted.
 */
export async function deleteAuditDetails(
  db: DataSource | EntityManager,
  opts: { letterId?: string; olderThanDays?: number },
): Promise<number> {
  if (opts.letterId === undefined && opts.olderThanDays === undefined)
    throw new Error('deleteAuditDetails needs a letter or an age');
  const [, deleted] = await db.query<[unknown, number]>(
    `DELETE FROM audit_details
      WHERE ($1::uuid IS NULL OR letter_id = $1)
        AND ($2::float8 IS NULL OR created_at < now() - make_interval(secs => $2 * 86400))`,
    [opts.letterId ?? null, opts.olderThanDays ?? null],
  );
  return deleted;
}

/** A letter's chain head: the newest entry's place and hash (hex), or null before any entry. */
export interface AuditChainHead {
  seq: number;
  hash: string;
}

export async function auditChainHead(
  query: QueryRows | DataSource | EntityManager,
  letterId: string,
): Promise<AuditChainHead | null> {
  const run: QueryRows = typeof query === 'function' ? query : (sql, params) => query.query(sql, params);
  const [row] = await run(
    `SELECT seq, encode(hash, 'hex') AS hash FROM audit_chain_heads WHERE letter_id = $1 AND seq > 0`,
    [letterId],
  );
  return row ? { seq: Number(row.seq), hash: String(row.hash) } : null;
}

export interface AuditChainVerdict {
  ok: boolean;
  /** Entries read before the first fault (all of them when none). */
  entries: number;
  /** The id of the first entry whose place, link or hash does not hold; null when none does not. */
  brokenAt: string | null;
  /** The letter's recorded head matches the last entry read. */
  headMatches: boolean;
}

/**
 * Walks a letter's chain in order and checks, for each entry, that it takes the next place, that
 * it names the previous entry's hash, and that its hash is SHA-256 over its content (computed
 * here, not by the database); then that the recorded head is the last entry. A row changed or
 * removed (by someone holding the table's owner role) breaks one of these, unless every later
 * hash and the head were rewritten too: then the head printed in a delivery pack made before
 * differs from the one the trail ends in now.
 */
export async function verifyAuditChain(db: DataSource | EntityManager, letterId: string): Promise<AuditChainVerdict> {
  const rows = await db.query<
    Array<{ id: string; chain_seq: string; prev_hash: Buffer | null; hash: Buffer; canonical: string }>
  >(
    `SELECT e.id, e.chain_seq, e.prev_hash, e.hash, audit_event_canonical(e.prev_hash, e) AS canonical
       FROM audit_events e WHERE e.letter_id = $1 ORDER BY e.chain_seq`,
    [letterId],
  );
  let prev: Buffer | null = null;
  let entries = 0;
  for (const r of rows) {
    const expectedSeq = entries + 1;
    const linked = prev === null ? r.prev_hash === null : r.prev_hash !== null && r.prev_hash.equals(prev);
    const hash = crypto.createHash('sha256').update(r.canonical, 'utf8').digest();
    if (Number(r.chain_seq) !== expectedSeq || !linked || !hash.equals(r.hash)) {
      return { ok: false, entries, brokenAt: String(r.id), headMatches: false };
    }
    prev = r.hash;
    entries = expectedSeq;
  }
  const head = await auditChainHead(db, letterId);
  const headMatches =
    head === null ? entries === 0 : head.seq === entries && prev !== null && head.hash === prev.toString('hex');
  return { ok: headMatches, entries, brokenAt: null, headMatches };
}

/** The kinds of action a letter's trail holds, for the filter of the owners' page. */
export async function auditKinds(db: DataSource | EntityManager, letterId: string): Promise<string[]> {
  const rows = await db.query<Array<{ kind: string }>>(
    `SELECT DISTINCT kind FROM audit_events WHERE letter_id = $1 ORDER BY kind`,
    [letterId],
  );
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
