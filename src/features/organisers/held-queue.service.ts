import type { DataSource, EntityManager } from 'typeorm';
import type { AppContext } from '../../platform/context';
import { type AuditActor, recordAudit } from '../../core/audit';
import { appendCountDeltas } from '../../core/letters/counts.service';
import type { InvalidationCategory } from '../signatures';
import type { HeldReason } from '../abuse';

/**
 * The held queue for thousands: signatures held by abuse control, grouped so that an organiser
 * decides on a whole botnet (or a whole university behind one address) at once, and a release
 * rule that lets a few confirmed signatures with a solved challenge through by themselves (only
 * for reasons a person would release unseen, capped per network and per mail domain).
 *
 * It lives with the organisers' moderation (not in abuse/) because it decides on signatures with
 * the signatures' categories and counting rule and is an organiser's action: abuse/ sits below
 * signatures (signing imports its limits), so from there it could import neither. Its words (the
 * page, the held reasons, the audit labels) are abuse control's: `locales/<lang>/abuse.json`.
 */

export const HELD_GROUPINGS = ['reason', 'network', 'domain', 'window', 'confirmation'] as const;
export type HeldGrouping = (typeof HELD_GROUPINGS)[number];
export const HELD_DECISIONS = ['release', 'invalidate', 'leave'] as const;
export type HeldDecision = (typeof HELD_DECISIONS)[number];

/**
 * Each grouping, as SQL: `raw` groups the rows of `s` (a signatures row) cheaply, and `key` turns a
 * group's raw value `k` into the key the page shows and a decision names. Fixed strings, never
 * built from input.
 * - network: an opaque label derived from the keyed origin hash and the letter, so the same
 *   network has different labels on different letters and nothing on the page is an address;
 * - window: the start of the 10-minute window the signature was made in, in UTC.
 * A row whose raw value is NULL (an address or network hash already erased) is in no group of that kind.
 */
const GROUPING: Record<HeldGrouping, { raw: string; key: (k: string, letterId: string) => string }> = {
  reason: { raw: `s.held_reason`, key: (k) => k },
  network: {
    raw: `s.origin_hash`,
    key: (k, letterId) => `substr(encode(sha256(convert_to(${letterId}::text || '/' || ${k}, 'UTF8')), 'hex'), 1, 12)`,
  },
  domain: { raw: `nullif(split_part(s.email_normalised, '@', 2), '')`, key: (k) => k },
  window: {
    raw: `date_bin('10 minutes', s.created_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')`,
    key: (k) => `to_char(${k} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"')`,
  },
  confirmation: { raw: `s.status`, key: (k) => k },
};

/** A row's group key, computed from the row itself (for deciding on one group). */
const rowKey = (by: HeldGrouping) => GROUPING[by].key(GROUPING[by].raw, 's.letter_id');

/** What "held" means in every statement here: waiting for a decision, counted by nobody. */
const HELD = `s.letter_id = $1 AND s.held_reason IS NOT NULL AND s.status IN ('pending', 'confirmed')`;

export interface HeldGroup {
  key: string;
  total: number;
  confirmed: number;
  /** Came with a solved challenge. */
  solved: number;
  /** An organiser chose to keep them held: the release rule leaves them alone. */
  kept: number;
  first: Date;
  last: Date;
}

export interface HeldOverview {
  total: number;
  confirmed: number;
  /** How many groups each grouping makes. */
  groupCounts: Record<HeldGrouping, number>;
}

export async function heldOverview(db: DataSource | EntityManager, letterId: string): Promise<HeldOverview> {
  // Raw values stand for keys one to one: counting them spares hashing and formatting every row.
  const distinct = HELD_GROUPINGS.map((g) => `count(DISTINCT ${GROUPING[g].raw}) AS "${g}"`).join(', ');
  const rows: Array<Record<string, string>> = await db.query(
    `SELECT count(*) AS total, count(*) FILTER (WHERE s.status = 'confirmed') AS confirmed, ${distinct}
       FROM signatures s WHERE ${HELD}`,
    [letterId],
  );
  const r = rows[0] ?? {};
  return {
    total: Number(r.total ?? 0),
    confirmed: Number(r.confirmed ?? 0),
    groupCounts: Object.fromEntries(HELD_GROUPINGS.map((g) => [g, Number(r[g] ?? 0)])) as Record<HeldGrouping, number>,
  };
}

/** The groups of one grouping, largest first (then by key, so the order is stable). */
export async function heldGroups(
  db: DataSource | EntityManager,
  letterId: string,
  by: HeldGrouping,
  limit = 200,
): Promise<HeldGroup[]> {
  const rows: Array<{
    key: string;
    total: string;
    confirmed: string;
    solved: string;
    kept: string;
    first: Date;
    last: Date;
  }> = await db.query(
    `SELECT ${GROUPING[by].key('g.k', '$1::uuid')} AS key, g.total, g.confirmed, g.solved, g.kept, g.first, g.last
       FROM (
         SELECT ${GROUPING[by].raw} AS k,
                count(*) AS total,
                count(*) FILTER (WHERE s.status = 'confirmed') AS confirmed,
                count(*) FILTER (WHERE s.challenge_solved) AS solved,
                count(o.signature_id) AS kept,
                min(s.created_at) AS first,
                max(s.created_at) AS last
           FROM signatures s LEFT JOIN held_objections o ON o.signature_id = s.id
          WHERE ${HELD} AND ${GROUPING[by].raw} IS NOT NULL
          GROUP BY 1
          ORDER BY count(*) DESC, 1
          LIMIT $2
       ) g
      ORDER BY g.total DESC, 1`,
    [letterId, limit],
  );
  return rows.map((r) => ({
    key: r.key,
    total: Number(r.total),
    confirmed: Number(r.confirmed),
    solved: Number(r.solved),
    kept: Number(r.kept),
    first: r.first,
    last: r.last,
  }));
}

export type GroupDecisionInput =
  | { by: HeldGrouping; key: string; decision: 'release' | 'leave'; note: string | null }
  | { by: HeldGrouping; key: string; decision: 'invalidate'; category: InvalidationCategory; note: string | null };

export interface GroupDecisionOutcome {
  /** Signatures the decision applied to. */
  total: number;
  /** Of those released, the ones that count from now on (they were confirmed). */
  counted: number;
}

const AUDIT_KIND = {
  release: 'abuse.group-released',
  invalidate: 'abuse.group-invalidated',
  leave: 'abuse.group-left',
} as const;

/**
 * One decision on one group, in one transaction and a single statement whatever the group's size:
 * the group's rows are locked, changed and (for a release) counted with one delta row per country,
 * and the decision is recorded in the audit trail beside them. A signature confirmed while the
 * decision waits for its lock is seen as confirmed (the lock re-reads it), so it counts exactly once.
 */
export async function decideHeldGroup(
  ctx: AppContext,
  letterId: string,
  actor: AuditActor,
  input: GroupDecisionInput,
): Promise<GroupDecisionOutcome> {
  const target = `SELECT s.id, s.country, s.status FROM signatures s WHERE ${HELD} AND ${rowKey(input.by)} = $2 FOR UPDATE OF s`;
  const outcome = await ctx.db.transaction(async (tx) => {
    let rows: Array<{ total: string; counted: string }>;
    if (input.decision === 'release') {
      rows = await tx.query(
        `WITH target AS (${target}),
         changed AS (
           UPDATE signatures s SET held_reason = NULL, released_at = now()
             FROM target WHERE s.id = target.id
           RETURNING target.country, target.status
         ),
         deltas AS (
           ${appendCountDeltas(`SELECT $1::uuid, country, count(*)::int FROM changed WHERE status = 'confirmed' GROUP BY country`)}
         )
         SELECT count(*) AS total, count(*) FILTER (WHERE status = 'confirmed') AS counted FROM changed`,
        [letterId, input.key],
      );
    } else if (input.decision === 'invalidate') {
      // Held signatures count for nobody, so invalidating them changes no count. The category and
      // the state are set in this one UPDATE: the integrity counters follow these columns.
      rows = await tx.query(
        `WITH target AS (${target}),
         changed AS (
           UPDATE signatures s SET status = 'invalidated', invalidated_category = $3, invalidated_reason = $4,
                                   invalidated_at = now(), keep_name_on_record = false
             FROM target WHERE s.id = target.id
           RETURNING s.id
         )
         SELECT count(*) AS total, 0 AS counted FROM changed`,
        [letterId, input.key, input.category, input.note],
      );
    } else {
      rows = await tx.query(
        `WITH target AS (${target}),
         kept AS (
           INSERT INTO held_objections (signature_id, letter_id, organiser_id)
           SELECT id, $1, $3 FROM target
           ON CONFLICT (signature_id) DO NOTHING
         )
         SELECT count(*) AS total, 0 AS counted FROM target`,
        [letterId, input.key, actor.id],
      );
    }
    const total = Number(rows[0]?.total ?? 0);
    const counted = Number(rows[0]?.counted ?? 0);
    if (total > 0) {
      await recordAudit(tx, {
        letterId,
        actor,
        kind: AUDIT_KIND[input.decision],
        detail: {
          by: input.by,
          // A mail-domain group's key is a domain: kept erasable (audit_details), like a reason.
          ...(input.by === 'domain' ? {} : { key: input.key }),
          count: total,
          ...(input.decision === 'release' ? { counted } : {}),
          ...(input.decision === 'invalidate' ? { category: input.category } : {}),
          ...(input.note ? { note: input.note } : {}),
        },
        ...(input.by === 'domain' ? { erasable: { key: input.key } } : {}),
      });
    }
    return { total, counted };
  });
  ctx.log.info({ letterId, by: input.by, decision: input.decision, signatures: outcome.total }, 'held group decided');
  return outcome;
}

/* ---------------------------------------------------------------- the automatic release rule */

export const AUTO_RELEASE_MAX_MINUTES = 10080;

/** The letter's release rule: minutes after confirmation, or null when it is off. */
export async function autoReleaseMinutes(db: DataSource | EntityManager, letterId: string): Promise<number | null> {
  const rows: Array<{ minutes: number }> = await db.query(
    `SELECT minutes FROM held_release_rules WHERE letter_id = $1`,
    [letterId],
  );
  return rows[0]?.minutes ?? null;
}

/** An owner turns the rule on (with its delay) or off; the change is in the audit trail. */
export async function setAutoRelease(
  ctx: AppContext,
  letterId: string,
  actor: AuditActor,
  minutes: number | null,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const before = await autoReleaseMinutes(tx, letterId);
    if (before === minutes) return;
    if (minutes === null) {
      await tx.query(`DELETE FROM held_release_rules WHERE letter_id = $1`, [letterId]);
      await recordAudit(tx, { letterId, actor, kind: 'abuse.auto-release-off', detail: { minutes: before } });
    } else {
      await tx.query(
        `INSERT INTO held_release_rules (letter_id, minutes) VALUES ($1, $2)
         ON CONFLICT (letter_id) DO UPDATE SET minutes = EXCLUDED.minutes, updated_at = now()`,
        [letterId, minutes],
      );
      await recordAudit(tx, { letterId, actor, kind: 'abuse.auto-release-on', detail: { minutes } });
    }
  });
  ctx.log.info({ letterId, minutes }, 'held release rule changed');
}

/** At most this many signatures per run: a run stays a short transaction; the next run takes the rest. */
export const AUTO_RELEASE_BATCH = 5000;

/**
 * The held reasons an organiser would release without looking, and so the only ones the rule
 * releases: a busy network (an office, a university behind one address) and one address signing
 * several letters quickly. Never a disposable address, a burst or a crowd at one mail domain (a
 * bot's own domain makes confirmable addresses without end) or a missing challenge.
 */
export const AUTO_RELEASABLE_REASONS = [
  'burst-ip',
  'sustained-ip',
  'burst-email',
  'sustained-email',
] as const satisfies readonly HeldReason[];

/** One run of the rule at a time, across processes: its caps count what the runs before it released. */
const AUTO_RELEASE_LOCK = `hashtext('undersigned.held-auto-release')`;

/**
 * Applies every letter's release rule once: a held signature is released when its reason is one
 * of AUTO_RELEASABLE_REASONS, it is confirmed, it came with a challenge solved while challenge
 * mode was on, it was confirmed at least the rule's minutes ago and no organiser chose to keep it
 * held; and only while the rule released fewer than AUTO_RELEASE_PER_NETWORK_PER_HOUR of the
 * letter's signatures from its network and fewer than AUTO_RELEASE_PER_DOMAIN_PER_HOUR at its mail
 * domain over the last hour (the earliest confirmed go first). One count delta per letter and
 * country and one audit event per letter (the platform acts: no actor). Runs take turns (an
 * advisory lock: a run that finds another under way does nothing); rows an organiser is deciding
 * on are skipped, not waited for. Returns how many it released.
 */
export async function applyAutoRelease(ctx: AppContext): Promise<number> {
  const eligible = `s.held_reason = ANY($1::text[]) AND s.status = 'confirmed' AND s.challenge_solved AND s.challenge_mode
            AND s.confirmed_at <= now() - make_interval(mins => r.minutes)
            AND NOT EXISTS (SELECT 1 FROM held_objections o WHERE o.signature_id = s.id)`;
  const released = await ctx.db.transaction(async (tx) => {
    const [lock] = await tx.query<Array<{ ok: boolean }>>(
      `SELECT pg_try_advisory_xact_lock(${AUTO_RELEASE_LOCK}) AS ok`,
    );
    if (!lock?.ok) return [];
    // The caps rank every candidate (a viral day's queue: 100,000 rows) by network and by domain:
    // sorted in memory, not on disk.
    await tx.query(`SET LOCAL work_mem = '64MB'`);
    const rows: Array<{ letter_id: string; n: string; minutes: number }> = await tx.query(
      `WITH candidate AS MATERIALIZED (
         SELECT s.id, s.letter_id, s.origin_hash, nullif(split_part(s.email_normalised, '@', 2), '') AS domain, s.confirmed_at
           FROM signatures s JOIN held_release_rules r ON r.letter_id = s.letter_id
          WHERE ${eligible}
       ),
       recent AS MATERIALIZED (
         SELECT s.letter_id, coalesce(s.origin_hash, '') AS network, nullif(split_part(s.email_normalised, '@', 2), '') AS domain
           FROM signatures s
          WHERE s.released_by_rule AND s.released_at > now() - interval '1 hour'
            AND s.letter_id IN (SELECT DISTINCT letter_id FROM candidate)
       ),
       by_network AS (SELECT letter_id, network, count(*) AS n FROM recent GROUP BY 1, 2),
       by_domain AS (SELECT letter_id, coalesce(domain, '') AS domain, count(*) AS n FROM recent GROUP BY 1, 2),
       ranked AS (
         SELECT c.id, c.confirmed_at,
                row_number() OVER (PARTITION BY c.letter_id, c.origin_hash ORDER BY c.confirmed_at, c.id) + coalesce(bn.n, 0) AS nth_network,
                row_number() OVER (PARTITION BY c.letter_id, c.domain ORDER BY c.confirmed_at, c.id) + coalesce(bd.n, 0) AS nth_domain
           FROM candidate c
           LEFT JOIN by_network bn ON bn.letter_id = c.letter_id AND bn.network = coalesce(c.origin_hash, '')
           LEFT JOIN by_domain bd ON bd.letter_id = c.letter_id AND bd.domain = coalesce(c.domain, '')
       ),
       chosen AS MATERIALIZED (
         SELECT id FROM ranked WHERE nth_network <= $2 AND nth_domain <= $3 ORDER BY confirmed_at, id LIMIT ${AUTO_RELEASE_BATCH}
       ),
       target AS MATERIALIZED (
         SELECT s.id, s.letter_id, s.country, r.minutes
           FROM signatures s JOIN held_release_rules r ON r.letter_id = s.letter_id JOIN chosen ON chosen.id = s.id
          WHERE ${eligible}
          FOR UPDATE OF s SKIP LOCKED
       ),
       changed AS (
         UPDATE signatures s SET held_reason = NULL, released_at = now(), released_by_rule = true
           FROM target WHERE s.id = target.id
         RETURNING target.letter_id, target.country, target.minutes
       ),
       deltas AS (
         ${appendCountDeltas(`SELECT letter_id, country, count(*)::int FROM changed GROUP BY letter_id, country`)}
       )
       SELECT letter_id, count(*) AS n, min(minutes) AS minutes FROM changed GROUP BY letter_id`,
      [
        AUTO_RELEASABLE_REASONS,
        ctx.config.AUTO_RELEASE_PER_NETWORK_PER_HOUR,
        ctx.config.AUTO_RELEASE_PER_DOMAIN_PER_HOUR,
      ],
    );
    for (const r of rows) {
      await recordAudit(tx, {
        letterId: r.letter_id,
        actor: null,
        kind: 'abuse.auto-released',
        detail: { count: Number(r.n), minutes: r.minutes },
      });
    }
    return rows.map((r) => ({ letterId: r.letter_id, n: Number(r.n) }));
  });
  for (const r of released) ctx.log.info({ letterId: r.letterId, released: r.n }, 'held signatures released by rule');
  return released.reduce((sum, r) => sum + r.n, 0);
}
