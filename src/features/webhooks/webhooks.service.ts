import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { verifiedCount } from '../../core/letters/counts.service';
import { enqueue } from '../../platform/mail/queue';
import { initialsOf } from '../signatures';
import { type MemberAccessFn, organiserNames } from '../../core/access';
import { AppError, NotFound, RateLimited } from '../../platform/web/errors';
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
/** A webhook whose deliveries have kept failing this long (no success since) is disabled. */
export const DISABLE_AFTER_FAILING_MS = 24 * 3600_000;
/** Webhooks one letter may have. */
export const MAX_ENDPOINTS_PER_LETTER = 10;
/** Test events one webhook may be sent in a minute. */
export const TEST_EVENTS_PER_MINUTE = 3;

/** Each webhook's deliveries are one named queue: they go one at a time, in order. */
const deliveryQueue = (endpointId: string) => `webhook:${endpointId}`;

/** Every time in a webhook body is written one way: ISO 8601, UTC, milliseconds, `Z`. */
function isoTime(at: Date | string): string {
  return new Date(at).toISOString();
}

export class WebhookDisabled extends AppError {
  constructor() {
    super(409, 'conflict', 'webhooks.errors.disabled');
  }
}

/** The wait before retry number `attempts` (1 after the first failure): base, 2×base, 4×base… at most 4 hours. */
export function retryDelayMs(attempts: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 1000 * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
}

export type CreateEndpointResult =
  { ok: true; endpoint: WebhookEndpoint; secret: string } | { ok: false; errors: Record<string, string> };

/**
 * Adds an endpoint after checking its URL (see webhookUrlProblem), up to MAX_ENDPOINTS_PER_LETTER
 * per letter (counted under a lock of the letter's endpoints, so two forms at once cannot pass
 * it). The audit trail, which is never erased, keeps the URL's origin only: receivers' paths
 * often carry a secret of their own. Milestones the letter has already passed are marked
 * reached: a new endpoint hears of the next one, not of old news.
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
  return ctx.db.transaction(async (tx): Promise<CreateEndpointResult> => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('webhook-endpoints:' || $1))`, [letter.id]);
    const [{ n }] = await tx.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM webhook_endpoints WHERE letter_id = $1`,
      [letter.id],
    );
    if (n >= MAX_ENDPOINTS_PER_LETTER) return { ok: false, errors: { url: 'webhooks.errors.tooMany' } };
    const endpoint = await tx.save(
      tx.create(WebhookEndpoint, {
        letterId: letter.id,
        url: form.url,
        events: form.events,
        secret,
        createdBy: actor.id,
      }),
    );
    if (letter.goal) await markReachedMilestones(tx, letter.id, letter.goal, await verifiedCount(tx, letter.id));
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'webhooks.endpoint-created',
      detail: { endpointId: endpoint.id, url: new URL(form.url).origin, events: form.events },
    });
    ctx.log.info({ letterId: letter.id, endpointId: endpoint.id }, 'webhook endpoint created');
    return { ok: true as const, endpoint, secret };
  });
}

export type ListedEndpoint = WebhookEndpoint & { creatorName: string | null };

/** A letter's endpoints, oldest first, each with its creator's name (null: no organiser any more). */
export async function listEndpoints(db: DataSource, letterId: string): Promise<ListedEndpoint[]> {
  const endpoints = await db.getRepository(WebhookEndpoint).find({ where: { letterId }, order: { createdAt: 'ASC' } });
  const names = await organiserNames(
    db,
    endpoints.map((e) => e.createdBy),
  );
  return endpoints.map((e) => Object.assign(e, { creatorName: e.createdBy ? (names.get(e.createdBy) ?? null) : null }));
}

/** For the owners' confirmation before a member leaves: the webhooks that member added. */
export const webhooksOfMember: MemberAccessFn = async (db, letterId, organiserId) => {
  const rows = await db.query<Array<{ url: string }>>(
    `SELECT url FROM webhook_endpoints WHERE letter_id = $1 AND created_by = $2 ORDER BY created_at`,
    [letterId, organiserId],
  );
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
    const [rows]: [Array<{ url: string }>, number] = await tx.query(
      `DELETE FROM webhook_endpoints WHERE id = $1 AND letter_id = $2 RETURNING url`,
      [id, letter.id],
    );
    if (!rows.length) throw new NotFound();
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'webhooks.endpoint-removed',
      detail: { endpointId: id, url: new URL(rows[0].url).origin },
    });
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
  const rows = await db.query<
    Array<{
      id: string;
      event: string;
      status: DeliveryLogEntry['status'];
      created_at: Date;
      next_attempt_at: Date | null;
      attempts: Array<{
        attempted_at: string;
        status_code: number | null;
        error: string | null;
        duration_ms: number;
      }> | null;
    }>
  >(
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
    attempts: (r.attempts ?? []).map((a) => ({
      attemptedAt: new Date(a.attempted_at),
      statusCode: a.status_code,
      error: a.error,
      durationMs: a.duration_ms,
    })),
  }));
}

/** The JSON of one event, checked against its schema (the one the OpenAPI document shows). */
function body(type: WebhookPayloadType, occurredAt: string, data: Record<string, unknown>): string {
  return JSON.stringify(WEBHOOK_PAYLOADS[type].parse({ type, timestamp: occurredAt, data }));
}

/** Creates the delivery rows of one event and queues them, in the caller's transaction. */
async function queueDeliveries(
  tx: EntityManager,
  endpointIds: string[],
  event: WebhookPayloadType,
  json: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const endpointId of endpointIds) {
    const id = crypto.randomUUID();
    await tx.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event, body, next_attempt_at) VALUES ($1, $2, $3, $4, now())`,
      [id, endpointId, event, json],
    );
    await enqueue(tx, TASK_WEBHOOK_DELIVER, { deliveryId: id } satisfies WebhookDeliverJob, {
      maxAttempts: 3,
      queueName: deliveryQueue(endpointId),
    });
    ids.push(id);
  }
  return ids;
}

/**
 * "Send test event": one `webhook.test` delivery to this endpoint, logged like the others; at
 * most TEST_EVENTS_PER_MINUTE a minute per endpoint (counted with the endpoint's row locked),
 * and none to a disabled one.
 */
export async function sendTestEvent(
  ctx: AppContext,
  letter: Letter,
  endpointId: string,
  actor: AuditActor,
): Promise<string> {
  return ctx.db.transaction(async (tx) => {
    const [endpoint] = await tx.query<Array<{ id: string; disabled: boolean }>>(
      `SELECT id, disabled_at IS NOT NULL AS disabled FROM webhook_endpoints WHERE id = $1 AND letter_id = $2 FOR UPDATE`,
      [endpointId, letter.id],
    );
    if (!endpoint) throw new NotFound();
    if (endpoint.disabled) throw new WebhookDisabled();
    const [recent] = await tx.query<Array<{ n: number; wait: number | null }>>(
      `SELECT count(*)::int AS n, ceil(extract(epoch FROM min(created_at) + interval '1 minute' - now()))::int AS wait
         FROM webhook_deliveries WHERE endpoint_id = $1 AND event = $2 AND created_at > now() - interval '1 minute'`,
      [endpoint.id, TEST_EVENT],
    );
    if (recent.n >= TEST_EVENTS_PER_MINUTE)
      throw new RateLimited(Math.max(1, recent.wait ?? 60), 'webhooks.errors.testLimit', {
        count: TEST_EVENTS_PER_MINUTE,
      });
    const [id] = await queueDeliveries(
      tx,
      [endpoint.id],
      TEST_EVENT,
      body(TEST_EVENT, isoTime(new Date()), { letter: letter.slug }),
    );
    await recordAudit(tx, { letterId: letter.id, actor, kind: 'webhooks.test-sent', detail: { endpointId } });
    return id;
  });
}

/** Enables a disabled endpoint again: its next events are delivered (what came while it was disabled is not). */
export async function enableEndpoint(ctx: AppContext, letter: Letter, id: string, actor: AuditActor): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [rows]: [Array<{ url: string }>, number] = await tx.query(
      `UPDATE webhook_endpoints SET disabled_at = NULL, failing_since = NULL WHERE id = $1 AND letter_id = $2 AND disabled_at IS NOT NULL RETURNING url`,
      [id, letter.id],
    );
    if (!rows.length) throw new NotFound();
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'webhooks.endpoint-enabled',
      detail: { endpointId: id, url: new URL(rows[0].url).origin },
    });
  });
  ctx.log.info({ letterId: letter.id, endpointId: id }, 'webhook endpoint enabled');
}

/** The endpoints of a letter that chose an event, disabled ones left out. */
async function subscribers(tx: EntityManager, letterId: string, event: string): Promise<string[]> {
  const rows = await tx.query<Array<{ id: string }>>(
    `SELECT id FROM webhook_endpoints WHERE letter_id = $1 AND $2 = ANY(events) AND disabled_at IS NULL ORDER BY created_at`,
    [letterId, event],
  );
  return rows.map((r) => r.id);
}

/**
 * Marks the goal milestones the count has reached; answers those marked now (the row is the
 * "once": two workers confirming at the same moment cannot both mark one).
 */
async function markReachedMilestones(
  tx: EntityManager,
  letterId: string,
  goal: number,
  count: number,
): Promise<number[]> {
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
 * A signer goes out as the public list and the API show them: a private or hidden signer, whom
 * both leave out, as the signature's id alone (the count still moves).
 */
export async function handleWebhookEvent(ctx: AppContext, job: WebhookEventJob): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const [letter] = await tx.query<
      Array<{ slug: string; goal: number | null; delivered_at: Date | null; delivered_to: string | null }>
    >(`SELECT slug, goal, delivered_at, delivered_to FROM letters WHERE id = $1`, [job.letterId]);
    if (!letter) return 0;
    let queued = 0;
    const endpoints = await subscribers(tx, job.letterId, job.type);
    if (endpoints.length) {
      const data = await eventData(tx, job, letter);
      // The database writes now() as PostgreSQL prints it (microseconds, +00:00): rewritten the one way.
      if (data)
        queued += (await queueDeliveries(tx, endpoints, job.type, body(job.type, isoTime(job.occurredAt), data)))
          .length;
    }
    if (job.type === 'signature.confirmed' && letter.goal) {
      const count = await verifiedCount(tx, job.letterId);
      const reached = await markReachedMilestones(tx, job.letterId, letter.goal, count);
      const milestoneEndpoints = reached.length ? await subscribers(tx, job.letterId, 'letter.milestone') : [];
      for (const percent of reached) {
        const json = body('letter.milestone', isoTime(new Date()), {
          letter: letter.slug,
          percent,
          goal: letter.goal,
          verifiedCount: count,
        });
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
      const count = await verifiedCount(tx, job.letterId);
      // Not on the public list: neither country nor time nor anything else of the person.
      if (s.hidden || s.visibility === 'private')
        return { letter: letter.slug, verifiedCount: count, signature: { id: job.signatureId } };
      const initialsOnly = s.visibility === 'initials';
      return {
        letter: letter.slug,
        verifiedCount: count,
        signature: {
          id: job.signatureId,
          name: initialsOnly ? initialsOf(s.full_name) : s.full_name,
          country: s.country,
          city: initialsOnly ? null : s.city,
          // As the public list: an organisation's name is its signature; an initials-only individual's would name them.
          organisation: initialsOnly && s.signed_as !== 'organisation' ? null : s.organisation,
          signedAs: s.signed_as,
          signedAt: isoTime(s.confirmed_at ?? job.occurredAt),
          source: s.source,
        },
      };
    }
    case 'signature.withdrawn':
      return {
        letter: letter.slug,
        verifiedCount: await verifiedCount(tx, job.letterId),
        signature: { id: job.signatureId },
      };
    case 'letter.delivered':
      return {
        letter: letter.slug,
        deliveredAt: letter.delivered_at ? isoTime(letter.delivered_at) : null,
        deliveredTo: letter.delivered_to,
      };
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
 *
 * The endpoint's health goes with it: a success clears `failing_since`, a failure sets it if it
 * was clear, and a failure when it is DISABLE_AFTER_FAILING_MS old disables the endpoint, ends
 * its pending deliveries and records it in the letter's audit trail (by the platform), in the
 * transaction of the attempt.
 */
export async function deliverWebhook(ctx: AppContext, job: WebhookDeliverJob): Promise<void> {
  const [d] = await ctx.db.query<
    Array<{
      id: string;
      endpoint_id: string;
      body: string | null;
      status: string;
      attempts: number;
      created_at: Date;
      url: string;
      secret: string;
      disabled: boolean;
    }>
  >(
    `SELECT d.id, d.endpoint_id, d.body, d.status, d.attempts, d.created_at, e.url, e.secret, e.disabled_at IS NOT NULL AS disabled
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
    [job.deliveryId],
  );
  if (!d || d.status !== 'pending' || d.body === null || d.disabled) return;
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'webhook-id': d.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(d.secret, d.id, timestamp, d.body),
  };
  const outcome = await sendWebhook(d.url, headers, d.body, { allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE });
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const attempts = d.attempts + 1;
  const delay = retryDelayMs(attempts, ctx.config.WEBHOOK_RETRY_BASE_SECONDS);
  const giveUp = !ok && Date.now() + delay > d.created_at.getTime() + RETRY_WINDOW_MS;
  let disabled = false;
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)`,
      [d.id, outcome.statusCode, outcome.error, outcome.durationMs],
    );
    if (ok || giveUp) {
      await tx.query(
        `UPDATE webhook_deliveries SET status = $2, attempts = $3, body = NULL, next_attempt_at = NULL, finished_at = now() WHERE id = $1`,
        [d.id, ok ? 'delivered' : 'failed', attempts],
      );
    } else {
      const runAt = new Date(Date.now() + delay);
      await tx.query(`UPDATE webhook_deliveries SET attempts = $2, next_attempt_at = $3 WHERE id = $1`, [
        d.id,
        attempts,
        runAt,
      ]);
      await enqueue(tx, TASK_WEBHOOK_DELIVER, { deliveryId: d.id } satisfies WebhookDeliverJob, {
        runAt,
        maxAttempts: 3,
        queueName: deliveryQueue(d.endpoint_id),
      });
    }
    disabled = await recordEndpointHealth(tx, d.endpoint_id, ok);
  });
  ctx.log.info(
    { deliveryId: d.id, statusCode: outcome.statusCode, error: outcome.error, attempts, delivered: ok, gaveUp: giveUp },
    'webhook delivery attempted',
  );
  if (disabled)
    ctx.log.warn({ endpointId: d.endpoint_id }, 'webhook endpoint disabled after a day of failed deliveries');
}

/** See deliverWebhook. Answers whether this attempt disabled the endpoint. */
async function recordEndpointHealth(tx: EntityManager, endpointId: string, ok: boolean): Promise<boolean> {
  if (ok) {
    await tx.query(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [
      endpointId,
    ]);
    return false;
  }
  const [rows]: [Array<{ letter_id: string; url: string; disabled: boolean }>, number] = await tx.query(
    `UPDATE webhook_endpoints
        SET failing_since = coalesce(failing_since, now()),
            disabled_at = CASE WHEN failing_since <= now() - $2 * interval '1 millisecond' THEN now() END
      WHERE id = $1 AND disabled_at IS NULL
      RETURNING letter_id, url, disabled_at IS NOT NULL AS disabled`,
    [endpointId, DISABLE_AFTER_FAILING_MS],
  );
  const row = rows[0];
  if (!row?.disabled) return false;
  await tx.query(
    `UPDATE webhook_deliveries SET status = 'failed', body = NULL, next_attempt_at = NULL, finished_at = now() WHERE endpoint_id = $1 AND status = 'pending'`,
    [endpointId],
  );
  await recordAudit(tx, {
    letterId: row.letter_id,
    actor: null,
    kind: 'webhooks.endpoint-disabled',
    detail: { endpointId, url: new URL(row.url).origin },
  });
  return true;
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
