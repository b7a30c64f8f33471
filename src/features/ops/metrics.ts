import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';

/**
 * One registry per process. Request latency and email counters are process-local (Prometheus
 * sums them over processes); the signature and outbox gauges are read from PostgreSQL at scrape
 * time, so every process reports the same whole-site figures.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'undersigned_' });
// prom-client reports three sums as gauges named "..._total", which Prometheus keeps for counters
// (promtool check metrics fails on them). The same figures are the sums of the by-type gauges
// (nodejs_active_handles, nodejs_active_requests, nodejs_active_resources), so they are dropped.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
  registry.removeSingleMetric(`undersigned_${name}`);
}

const httpDuration = new Histogram({
  name: 'undersigned_http_request_duration_seconds',
  help: 'HTTP request latency by route pattern (never the raw URL: it would carry tokens) and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const emailsSent = new Counter({
  name: 'undersigned_emails_sent_total',
  help: 'Email jobs completed by this process, by task',
  labelNames: ['task'] as const,
  registers: [registry],
});

const emailsFailed = new Counter({
  name: 'undersigned_emails_failed_total',
  help: 'Email job attempts that failed in this process (each is retried with backoff), by task',
  labelNames: ['task'] as const,
  registers: [registry],
});

const signatures = new Gauge({
  name: 'undersigned_signatures',
  help: 'Signatures by status, and whether held for review',
  labelNames: ['status', 'held'] as const,
  registers: [registry],
});

const outboxDepth = new Gauge({
  name: 'undersigned_outbox_jobs',
  help: 'Jobs waiting in the outbox that are due now (not locked, not permanently failed)',
  registers: [registry],
});

const outboxOldest = new Gauge({
  name: 'undersigned_outbox_oldest_job_age_seconds',
  help: 'Age of the oldest due job in the outbox (0 when empty)',
  registers: [registry],
});

/** Email tasks are named "...-email"; the worker reports each job's outcome here. */
export function recordJobOutcome(task: string, outcome: 'success' | 'error'): void {
  if (!task.endsWith('-email')) return;
  (outcome === 'success' ? emailsSent : emailsFailed).inc({ task });
}

/** Times every request and labels it with the pattern of the route that answered it. */
export function requestMetrics(): RequestHandler {
  return (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      let route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
      if (route === 'unmatched' && req.originalUrl.startsWith('/static/')) route = '/static';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

/** Reads the whole-site gauges: one GROUP BY on signatures, one aggregate on the job queue and outbox. */
export async function collectDatabaseGauges(db: DataSource): Promise<void> {
  const [byStatus, outbox] = await Promise.all([
    db.query<Array<{ status: string; held: boolean; n: number }>>(
      `SELECT status, (held_reason IS NOT NULL) AS held, count(*)::int AS n FROM signatures GROUP BY 1, 2`,
    ),
    // Due jobs in the queue, and the signing outbox's rows not yet relayed into it.
    db.query<Array<{ n: number; oldest: number }>>(
      `SELECT sum(n)::int AS n, coalesce(extract(epoch FROM now() - min(oldest)), 0)::float AS oldest FROM (
         SELECT count(*) AS n, min(run_at) AS oldest FROM graphile_worker._private_jobs WHERE is_available AND run_at <= now()
         UNION ALL
         SELECT count(*), min(created_at) FROM job_outbox
       ) due`,
    ),
  ]);
  signatures.reset();
  for (const r of byStatus) signatures.set({ status: r.status, held: String(r.held) }, r.n);
  outboxDepth.set(outbox[0]?.n ?? 0);
  outboxOldest.set(Math.max(0, outbox[0]?.oldest ?? 0));
}
