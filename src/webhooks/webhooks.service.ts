import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../audit';
import type { AppContext } from '../context';
import type { Letter } from '../letters/letter.entity';
import { verifiedCount } from '../letters/counts.service';
import { enqueue } from '../mail/queue';
import { initialsOf } from '../signatures';
import { type MemberAccessFn, organiserNames } from '../organisers';
import { NotFound } from '../web/errors';
import { webhookUrlProblem, type Resolver, systemResolver } from './webhook-address';
import { WebhookEndpoint } from './webhook.entities';
import { WEBHOOK_PAYLOADS, type WebhookPayloadType } from './webhook-payloads.schema';
import { sendWebhook } from './webhook-sender';
import { newWebhookSecret, signWebhook } from './webhook-signature';
import {
  type EndpointForm,
  MILESTONES,
  TASK_WEBHOOK_DELIVER,
  TEST_EVENT,
  type WebhookDeliverJob,
  type WebhookEventJob,
} from './webhooks.schema';

/** Deliveries are retried for this long after the event. */
export const RETRY_WINDOW_MS = 24 * 3600_000;
const MAX_RETRY_DELAY_MS = 4 * 3600_000;

/** The wait before retry number `attempts` (1 after the first failure): base, 2×base, 4×base… at most 4 hours. */
export function retryDelayMs(attempts: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 1000 * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
}

export type CreateEndpointResult = { ok: true; endpoint: WebhookEndpoint; secret: string } | { ok: false; errors: Record<string, string> };

/**
 * Adds an endpoint after checking its URL (see webhookUrlProblem). The audit trail, which is
 * never erased, keeps the URL's origin only: receivers' paths often carry a secret of their own. Milestones the letter has
 * already passed are marked reached: a new endpoint hears of the next one, not of old news.
 */
export async function createEndpoint(
  ctx: AppContext,
  letter: Letter,
  form: EndpointForm,
  actor: AuditActor,
  resolve: Resolver = systemResolver,
): Promise<CreateEndpointResult> {
  const problem = await webhookUrlProblem(form.url, ctx.config.WEBHOOK_ALLOW_PRIVATE, resolve);
  if (problem) return { ok: false, errors: { url: problem } };
  const secret = newWebhookSecret();
  return ctx.db.transaction(async (tx) => {
    const endpoint = await tx.save(tx.create(WebhookEndpoint, { letterId: letter.id, url: form.url, events: form.events, secret, createdBy: actor.id }));
    if (letter.goal) await markReachedMilestones(tx, letter.id, letter.goal, await verifiedCount(tx, letter.id));
    await recordAudit(tx, { letterId: letter.id, actor, kind: 'webhooks.endpoint-created', detail: { endpointId: endpoint.id, url: new URL(form.url).origin, events: form.events } });
    ctx.log.info({ letterId: letter.id, endpointId: endpoint.id }, 'webhook endpoint created');
    return { ok: true as const, endpoint, secret };
  });
}

export type ListedEndpoint = WebhookEndpoint & { creatorName: string | null };

/** A letter's endpoints, oldest first, each with its creator's name (null: no organiser any more). */
export async function listEndpoints(db: DataSource, letterId: string): Promise<ListedEndpoint[]> {
  const endpoints = await db.getRepository(WebhookEndpoint).find({ where: { letterId }, order: { createdAt: 'ASC' } });
  const names = await organiserNames(db, endpoints.map((e) => e.createdBy));
  return endpoints.map((e) => Object.assign(e, { creatorName: e.createdBy ? (names.get(e.createdBy) ?? null) : null }));
}

/** For the owners' confirmation before a member leaves: the webhooks that member added. */
export const webhooksOfMember: MemberAccessFn = async (db, letterId, organiserId) => {
  const rows = await db.query<Array<{ url: string }>>(`SELECT url FROM webhook_endpoints WHERE letter_id = $1 AND created_by = $2 ORDER BY created_at`, [letterId, organiserId]);
  return { heading: 'api.nav.webhooks', items: rows.map((r) => r.url) };
};

export async function findEndpoint(db: DataSource, letterId: string, id: string): Promise<WebhookEndpoint> {
  const endpoint = await db.getRepository(WebhookEndpoint).findOneBy({ id, letterId });
  if (!endpoint) throw new NotFound();
  return endpoint;
}

/** Removes an endpoint with its delivery log; deliveries still queued find nothing and end. */
export async function removeEndpoint(ctx: AppContext, letter: Letter, id: string, actor: AuditActor): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [rows]: [Array<{ url: string }>, number] = await tx.query(`DELETE FROM webhook_endpoints WHERE id = $1 AND letter_id = $2 RETURNING url`, [id, letter.id]);
    if (!rows.length) throw new NotFound();
    await recordAudit(tx, { letterId: letter.id, actor, kind: 'webhooks.endpoint-removed', detail: { endpointId: id, url: new URL(rows[0].url).origin } });
  });
  ctx.log.info({ letterId: letter.id, endpointId: id }, 'webhook endpoint removed');
}

export interface DeliveryLogEntry {
  id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  createdAt: Date;
  nextAttemptAt: Date | null;
  attempts: Array<{ attemptedAt: Date; statusCode: number | null; error: string | null; durationMs: number }>;
}

/** The newest deliveries of an endpoint with every attempt: when, and what the receiver answered. */
export async function deliveryLog(db: DataSource, endpointId: string, limit = 50): Promise<DeliveryLogEntry[]> {
  const rows = await db.query<Array<{ id: string; event: string; status: DeliveryLogEntry['status']; created_at: Date; next_attempt_at: Date | null; attempts: Array<{ attempted_at: string; status_code: number | null; error: string | null; duration_ms: number }> | null }>>(
    `SELECT d.id, d.event, d.status, d.created_at, d.next_attempt_at,
            (SELECT json_agg(json_build_object('attempted_at', a.attempted_at, 'status_code', a.status_code, 'error', a.error, 'duration_ms', a.duration_ms) ORDER BY a.id)
               FROM webhook_attempts a WHERE a.delivery_id = d.id) AS attempts
       FROM webhook_deliveries d WHERE d.endpoint_id = $1
      ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
    [endpointId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    event: r.event,
    status: r.status,
    createdAt: r.created_at,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    attempts: (r.attempts ?? []).map((a) => ({ attemptedAt: new Date(a.attempted_at), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
  }));
}

/** The JSON of one event, checked against its schema (the one the OpenAPI document shows). */
function body(type: WebhookPayloadType, occurredAt: string, data: Record<string, unknown>): string {
  return JSON.stringify(WEBHOOK_PAYLOADS[type].parse({ type, timestamp: occurredAt, data }));
}

/** Creates the delivery rows of one event and queues them, in the caller's transaction. */
async function queueDeliveries(tx: EntityManager, endpointIds: string[], event: WebhookPayloadType, json: string): Promise<string[]> {
  const ids: string[] = [];
  for (const endpointId of endpointIds) {
    const id = crypto.randomUUID();
    await tx.query(`INSERT INTO webhook_deliveries (id, endpoint_id, event, body, next_attempt_at) VALUES ($1, $2, $3, $4, now())`, [id, endpointId, event, json]);
    await enqueue(tx, TASK_WEBHOOK_DELIVER, { deliveryId: id } satisfies WebhookDeliverJob, { maxAttempts: 3 });
    ids.push(id);
  }
  return ids;
}

/** "Send test event": one `webhook.test` delivery to this endpoint, logged like the others. */
export async function sendTestEvent(ctx: AppContext, letter: Letter, endpointId: string, actor: AuditActor): Promise<string> {
  return ctx.db.transaction(async (tx) => {
    const [endpoint] = await tx.query<Array<{ id: string }>>(`SELECT id FROM webhook_endpoints WHERE id = $1 AND letter_id = $2`, [endpointId, letter.id]);
    if (!endpoint) throw new NotFound();
    const [id] = await queueDeliveries(tx, [endpoint.id], TEST_EVENT, body(TEST_EVENT, new Date().toISOString(), { letter: letter.slug }));
    await recordAudit(tx, { letterId: letter.id, actor, kind: 'webhooks.test-sent', detail: { endpointId } });
    return id;
  });
}

async function subscribers(tx: EntityManager, letterId: string, event: string): Promise<string[]> {
  const rows = await tx.query<Array<{ id: string }>>(`SELECT id FROM webhook_endpoints WHERE letter_id = $1 AND $2 = ANY(events) ORDER BY created_at`, [letterId, event]);
  return rows.map((r) => r.id);
}

/**
 * Marks the goal milestones the count has reached; answers those marked now (the row is the
 * "once": two workers confirming at the same moment cannot both mark one).
 */
async function markReachedMilestones(tx: EntityManager, letterId: string, goal: number, count: number): Promise<number[]> {
  const rows = await tx.query<Array<{ percent: number }>>(
    `INSERT INTO webhook_milestones (letter_id, percent) SELECT $1, p FROM unnest($2::smallint[]) p WHERE $3::bigint * 100 >= $4::bigint * p
     ON CONFLICT DO NOTHING RETURNING percent`,
    [letterId, [...MILESTONES], count, goal],
  );
  return rows.map((r) => r.percent).sort((a, b) => a - b);
}

interface SignatureRow {
  full_name: string;
  visibility: 'public' | 'initials' | 'private';
  hidden: boolean;
  country: string;
  city: string | null;
  organisation: string | null;
  signed_as: string;
  confirmed_at: Date | null;
  source: string;
}

/**
 * The worker's half of an event the database recorded (see migration ApiWebhooks): builds the
 * body once (every endpoint and every retry gets the same bytes) and queues one delivery per
 * endpoint that chose the event, in one transaction. A confirmation may also pass a goal
 * milestone: the milestone's row and its deliveries are written together, so it fires once.
 * A signer's name goes out as the public list shows it: private and hidden signers' never.
 */
export async function handleWebhookEvent(ctx: AppContext, job: WebhookEventJob): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const [letter] = await tx.query<Array<{ slug: string; goal: number | null; delivered_at: Date | null; delivered_to: string | null }>>(
      `SELECT slug, goal, delivered_at, delivered_to FROM letters WHERE id = $1`,
      [job.letterId],
    );
    if (!letter) return 0;
    let queued = 0;
    const endpoints = await subscribers(tx, job.letterId, job.type);
    if (endpoints.length) {
      const data = await eventData(tx, job, letter);
      if (data) queued += (await queueDeliveries(tx, endpoints, job.type, body(job.type, job.occurredAt, data))).length;
    }
    if (job.type === 'signature.confirmed' && letter.goal) {
      const count = await verifiedCount(tx, job.letterId);
      const reached = await markReachedMilestones(tx, job.letterId, letter.goal, count);
      const milestoneEndpoints = reached.length ? await subscribers(tx, job.letterId, 'letter.milestone') : [];
      for (const percent of reached) {
        const json = body('letter.milestone', new Date().toISOString(), { letter: letter.slug, percent, goal: letter.goal, verifiedCount: count });
        queued += (await queueDeliveries(tx, milestoneEndpoints, 'letter.milestone', json)).length;
      }
    }
    return queued;
  });
}

async function eventData(
  tx: EntityManager,
  job: WebhookEventJob,
  letter: { slug: string; delivered_at: Date | null; delivered_to: string | null },
): Promise<Record<string, unknown> | null> {
  switch (job.type) {
    case 'signature.confirmed': {
      const [s] = await tx.query<SignatureRow[]>(
        `SELECT full_name, visibility, hidden, country, city, organisation, signed_as, confirmed_at, source FROM signatures WHERE id = $1 AND status = 'confirmed'`,
        [job.signatureId],
      );
      // Withdrawn (or invalidated) before the worker came to it: nothing to announce.
      if (!s) return null;
      const shown = s.hidden || s.visibility === 'private' ? null : s.visibility === 'initials' ? initialsOf(s.full_name) : s.full_name;
      return {
        letter: letter.slug,
        verifiedCount: await verifiedCount(tx, job.letterId),
        signature: {
          id: job.signatureId,
          name: shown,
          country: s.country,
          city: shown && s.visibility === 'public' ? s.city : null,
          organisation: shown ? s.organisation : null,
          signedAs: s.signed_as,
          signedAt: s.confirmed_at?.toISOString() ?? job.occurredAt,
          source: s.source,
        },
      };
    }
    case 'signature.withdrawn':
      return { letter: letter.slug, verifiedCount: await verifiedCount(tx, job.letterId), signature: { id: job.signatureId } };
    case 'letter.delivered':
      return { letter: letter.slug, deliveredAt: letter.delivered_at?.toISOString() ?? null, deliveredTo: letter.delivered_to };
    case 'response.received': {
      const [r] = await tx.query<Array<{ id: string; responded_on: string; link: string | null }>>(
        `SELECT id, to_char(responded_on, 'YYYY-MM-DD') AS responded_on, link FROM letter_responses WHERE id = $1`,
        [job.responseId],
      );
      return r ? { letter: letter.slug, response: { id: r.id, respondedOn: r.responded_on, link: r.link } } : null;
    }
    default:
      return null;
  }
}

/**
 * One attempt at one delivery. The answer is logged (status code and time, never the
 * receiver's body); a 2xx ends it, anything else queues the next attempt after a doubling wait,
 * until 24 hours after the event. The job itself succeeds either way: the backoff is ours, so
 * the log says when the next try is.
 */
export async function deliverWebhook(ctx: AppContext, job: WebhookDeliverJob): Promise<void> {
  const [d] = await ctx.db.query<Array<{ id: string; body: string | null; status: string; attempts: number; created_at: Date; url: string; secret: string }>>(
    `SELECT d.id, d.body, d.status, d.attempts, d.created_at, e.url, e.secret
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
    [job.deliveryId],
  );
  if (!d || d.status !== 'pending' || d.body === null) return;
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'webhook-id': d.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(d.secret, d.id, timestamp, d.body) };
  const outcome = await sendWebhook(d.url, headers, d.body, { allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE });
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const attempts = d.attempts + 1;
  const delay = retryDelayMs(attempts, ctx.config.WEBHOOK_RETRY_BASE_SECONDS);
  const giveUp = !ok && Date.now() + delay > d.created_at.getTime() + RETRY_WINDOW_MS;
  await ctx.db.transaction(async (tx) => {
    await tx.query(`INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)`, [d.id, outcome.statusCode, outcome.error, outcome.durationMs]);
    if (ok || giveUp) {
      await tx.query(`UPDATE webhook_deliveries SET status = $2, attempts = $3, body = NULL, next_attempt_at = NULL, finished_at = now() WHERE id = $1`, [
        d.id,
        ok ? 'delivered' : 'failed',
        attempts,
      ]);
    } else {
      const runAt = new Date(Date.now() + delay);
      await tx.query(`UPDATE webhook_deliveries SET attempts = $2, next_attempt_at = $3 WHERE id = $1`, [d.id, attempts, runAt]);
      await enqueue(tx, TASK_WEBHOOK_DELIVER, { deliveryId: d.id } satisfies WebhookDeliverJob, { runAt, maxAttempts: 3 });
    }
  });
  ctx.log.info({ deliveryId: d.id, statusCode: outcome.statusCode, error: outcome.error, attempts, delivered: ok, gaveUp: giveUp }, 'webhook delivery attempted');
}


/** The log keeps a finished delivery (with its attempts) this long. */
export const DELIVERY_LOG_DAYS = 30;

/** Forgets deliveries finished more than DELIVERY_LOG_DAYS ago; their attempts go with them. */
export async function pruneDeliveryLog(db: DataSource): Promise<number> {
  const [, removed]: [unknown, number] = await db.query(
    `DELETE FROM webhook_deliveries WHERE finished_at < now() - make_interval(days => $1)`,
    [DELIVERY_LOG_DAYS],
  );
  return removed;
}
