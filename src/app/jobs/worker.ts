import { EventEmitter } from 'node:events';
import { run, type Runner, type Task, type TaskList, type WorkerEvents } from 'graphile-worker';
import { queueLogger } from '../../platform/db/queue-schema';
import { pgPool } from '../../platform/db/pool';
import { scrubErrorMessage } from '../../platform/logger';
import type { AppContext } from '../../platform/context';
import { createDataSource } from '../data-source';
import type { Chore, FeatureJobs, JobDeps } from '../../platform/mail/queue';
import type { Mailer } from '../../platform/mail/mailer';
import { WorkerPresence } from '../../platform/mail/worker-presence';
import { relayOutbox, RELAY_BATCH } from '../../platform/mail/outbox-relay';
import { sweepExpiredLimits } from '../../platform/web/rate-limits';
import { recordJobOutcome } from '../../features/ops';
import { FEATURES } from '../features';

/** Each feature's jobs, from its descriptor (each feature's own tasks.ts). */
const FEATURE_JOBS = FEATURES.flatMap((f) => (f.jobs ? [f.jobs] : []));

/** The platform's own chore: expired rate-limit counters only take room. */
function platformJobs({ ctx }: JobDeps): FeatureJobs {
  return {
    chores: [{ everyMs: 60_000, run: () => sweepExpiredLimits(ctx.db), failure: 'expired counters sweep failed' }],
  };
}

/**
 * graphile-worker stores a failed job's error message in its table (`last_error`) until the job
 * succeeds or is deleted, and an SMTP refusal usually quotes the recipient ("550 5.1.1
 * <anna@example.org>: Recipient address rejected"). Each task's error is therefore rethrown with
 * its message scrubbed, keeping its class name and code, before the queue sees it.
 */
export class ScrubbedJobError extends Error {
  readonly code?: string;

  constructor(err: unknown) {
    const e = (err ?? {}) as {
      name?: unknown;
      code?: unknown;
      responseCode?: unknown;
      constructor?: { name?: unknown };
    };
    super(scrubErrorMessage(err instanceof Error ? err.message : String(err)));
    // The original's class, for the log line.
    const ctor = e.constructor?.name;
    this.name =
      typeof e.name === 'string' && e.name !== 'Error' && e.name !== 'error'
        ? e.name
        : typeof ctor === 'string' && ctor
          ? ctor
          : 'Error';
    const code = e.code ?? e.responseCode;
    if (typeof code === 'string' || typeof code === 'number') this.code = String(code);
  }
}

function scrubbingErrors(taskList: Record<string, Task>): TaskList {
  return Object.fromEntries(
    Object.entries(taskList).map(([name, task]): [string, Task] => [
      name,
      async (payload, helpers) => {
        try {
          return await task(payload, helpers);
        } catch (err) {
          throw new ScrubbedJobError(err);
        }
      },
    ]),
  );
}

/**
 * A graphile-worker runner that is started again when it ends on its own. graphile-worker gives
 * up a worker pool when it cannot record that jobs finished or failed (one lost connection is
 * enough: a PgBouncer or PostgreSQL restart), "queue is in an inconsistent state; aborting". The
 * process lived on with no runner, sending nothing and saying nothing, its jobs locked in the
 * name of a pool whose presence it still held (160 of 200 emails never went out). Now the end is
 * logged, the dead pool's jobs are unlocked (retried until the database answers: jobs that were
 * running may run again, an email sent twice rather than never) and a new runner starts.
 */
class SupervisedRunner {
  private runner: Runner | null = null;
  private stopping = false;
  private restarting: Promise<void> | null = null;
  private readonly poolIds = new Set<string>();

  constructor(
    private readonly label: string,
    private readonly ctx: AppContext,
    private readonly presence: WorkerPresence,
    private readonly make: (events: WorkerEvents) => Promise<Runner>,
  ) {}

  async start(): Promise<void> {
    const events = new EventEmitter() as WorkerEvents;
    // Jobs are locked in the name of the worker pool (one per runner), not of its workers.
    events.on('pool:create', ({ workerPool }) => {
      this.poolIds.add(workerPool.id);
      this.presence.claim(workerPool.id);
    });
    events.on('pool:release', ({ workerPool }) => this.presence.release(workerPool.id));
    events.on('job:success', ({ job }) => recordJobOutcome(job.task_identifier, 'success'));
    events.on('job:error', ({ job, error }) => {
      recordJobOutcome(job.task_identifier, 'error');
      // Already scrubbed (ScrubbedJobError); the logger's err serializer scrubs once more.
      this.ctx.log.warn(
        { jobId: job.id, task: job.task_identifier, attempts: job.attempts, err: error },
        'job failed, will retry',
      );
    });
    const runner = await this.make(events);
    this.runner = runner;
    runner.promise.then(
      () => this.ended(runner),
      (err: unknown) => this.ended(runner, err),
    );
  }

  private ended(runner: Runner, err?: unknown): void {
    if (this.stopping || this.runner !== runner) return;
    this.runner = null;
    this.ctx.log.error({ runner: this.label, err }, 'job runner stopped; unlocking its jobs and starting a new one');
    this.restarting = this.restart().finally(() => (this.restarting = null));
  }

  private async restart(): Promise<void> {
    const dead = [...this.poolIds];
    this.poolIds.clear();
    for (let attempt = 0; !this.stopping; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 30_000)));
      if (this.stopping) return;
      try {
        if (dead.length) await this.ctx.db.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [dead]);
        dead.length = 0;
        await this.start();
        this.ctx.log.warn({ runner: this.label }, 'job runner started again');
        return;
      } catch (e) {
        this.ctx.log.warn({ runner: this.label, err: (e as Error).message }, 'job runner could not start again yet');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting;
    await this.runner?.stop();
  }
}

export interface Worker {
  stop(): Promise<void>;
}

/**
 * The worker: relays the signing outbox into the queue, sends queued email and folds count deltas. Any number may run against one
 * database; each job is taken by exactly one of them.
 */
export async function startWorker(
  webCtx: AppContext,
  mailer: Mailer,
  opts: { foldEveryMs?: number; relayEveryMs?: number } = {},
): Promise<Worker> {
  // A pool of its own: with web and worker in one process (ROLE=all), a viral day's requests
  // hold every connection of the web pool, and a worker waiting behind them relayed and sent
  // almost nothing (850 of 10,000 confirmation emails after 23 s). Enough connections for
  // every job at once, the outbox relay, the fold and the queue's own bookkeeping.
  // With the web behind a transaction pooler, the worker's own sessions (DATABASE_DIRECT_URL).
  const url = webCtx.config.DATABASE_DIRECT_URL ?? (webCtx.db.options as { url?: string }).url;
  if (!url) throw new Error('the worker needs the database URL of the data source it is given');
  // The slow runner's jobs (webhooks, word diffs) have connections of their own on top.
  const db = createDataSource(url, {
    poolSize: webCtx.config.WORKER_CONCURRENCY + webCtx.config.WEBHOOK_CONCURRENCY + 5,
    applicationName: 'undersigned-worker',
  });
  await db.initialize();
  const ctx: AppContext = { ...webCtx, db };
  const jobs = [platformJobs, ...FEATURE_JOBS].map((make) => make({ ctx, mailer, foldEveryMs: opts.foldEveryMs }));
  const taskList: Record<string, Task> = {};
  const slowTaskList: Record<string, Task> = {};
  for (const j of jobs) {
    for (const [list, tasks] of [
      [taskList, j.tasks],
      [slowTaskList, j.slowTasks],
    ] as const) {
      for (const [name, task] of Object.entries(tasks ?? {})) {
        if (taskList[name] || slowTaskList[name]) throw new Error(`two features register the task ${name}`);
        list[name] = task;
      }
    }
  }
  const crontab = jobs.flatMap((j) => j.crontab ?? []);
  const chores: Chore[] = jobs.flatMap((j) => j.chores ?? []);
  // Each worker pool announces itself before it takes a job, so a crashed process's jobs can be told
  // from a live one's and unlocked at once instead of after graphile-worker's 4 hours.
  const presence = new WorkerPresence(pgPool(ctx.db), ctx.log);
  await presence.start();
  const logger = queueLogger(ctx.log);
  const runners = [
    new SupervisedRunner('emails', ctx, presence, (events) =>
      run({
        pgPool: pgPool(ctx.db),
        taskList: scrubbingErrors(taskList),
        crontab: crontab.join('\n'),
        concurrency: ctx.config.WORKER_CONCURRENCY,
        pollInterval: 1000,
        // Jobs are fetched (and locked in this pool's name) several at a time, not one query per job:
        // measured 320 → 385 emails/s on 2 cores, a third less PostgreSQL time per email. A crashed
        // process's fetched jobs are unlocked like its running ones (WorkerPresence).
        // Completions are written together, those that end within the same tick (0 ms): one UPDATE
        // for many jobs instead of one each. The window in which a crash could send an email twice
        // stays what it was (the time between the SMTP server's acceptance and the completion).
        preset: { worker: { localQueue: { size: ctx.config.WORKER_CONCURRENCY * 5 }, completeJobBatchDelay: 0 } },
        noHandleSignals: true,
        logger,
        events,
      }),
    ),
  ];
  // Work that talks to the outside world (webhooks) has a runner of its own: a receiver that
  // never answers holds one of its few places for the delivery's time limit, never a place of
  // the emails above. graphile-worker picks only the tasks a runner knows, so neither runner
  // takes the other's jobs. No local queue here: with one, two jobs of one named queue could be
  // fetched together and run at once (graphile-worker issue 621), and each webhook's deliveries
  // are a named queue, to go one at a time.
  if (Object.keys(slowTaskList).length)
    runners.push(
      new SupervisedRunner('webhooks', ctx, presence, (events) =>
        run({
          pgPool: pgPool(ctx.db),
          taskList: scrubbingErrors(slowTaskList),
          concurrency: ctx.config.WEBHOOK_CONCURRENCY,
          pollInterval: 1000,
          noHandleSignals: true,
          logger,
          events,
        }),
      ),
    );
  await Promise.all(runners.map((r) => r.start()));
  const grace = ctx.config.WORKER_RECOVERY_AFTER_SECONDS;
  let recovering: Promise<unknown> = presence
    .recoverDeadWorkers(grace)
    .catch((err: Error) => ctx.log.warn({ err: err.message }, 'job recovery failed'));
  const recoveryTimer = setInterval(
    () => {
      recovering = presence
        .recoverDeadWorkers(grace)
        .catch((err: Error) => ctx.log.warn({ err: err.message }, 'job recovery failed'));
    },
    Math.min(grace, 30) * 1000,
  );
  // The signing outbox: moved into the queue in batches, at once again while batches come full.
  let relaying = true;
  let wakeRelay: () => void = () => undefined;
  const relayLoop = (async () => {
    while (relaying) {
      let moved = 0;
      try {
        moved = await relayOutbox(ctx.db);
      } catch (err) {
        ctx.log.warn({ err: (err as Error).message }, 'outbox relay failed');
      }
      if (moved < RELAY_BATCH && relaying) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, opts.relayEveryMs ?? 200);
          wakeRelay = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  })();
  // Folding count deltas every two seconds; expired counters, sessions and invitations once a
  // minute (every two seconds, on a viral day's 600,000 counter rows, the scan took ~90 ms each).
  const running = new Set<Promise<unknown>>();
  const choreTimers = chores.map((chore) =>
    setInterval(() => {
      const p = chore.run().catch((err: Error) => ctx.log.warn({ err: err.message }, chore.failure));
      running.add(p);
      void p.finally(() => running.delete(p));
    }, chore.everyMs),
  );
  return {
    async stop() {
      relaying = false;
      wakeRelay();
      await relayLoop;
      for (const t of choreTimers) clearInterval(t);
      clearInterval(recoveryTimer);
      await Promise.all(runners.map((r) => r.stop()));
      await Promise.all([...running, recovering]);
      await presence.stop();
      await db.destroy();
    },
  };
}
