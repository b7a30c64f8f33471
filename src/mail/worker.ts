import { EventEmitter } from 'node:events';
import { run, type Runner, type Task, type TaskList, type WorkerEvents } from 'graphile-worker';
import { silentLogger } from '../db/queue-schema';
import { pgPool } from '../db/pool';
import { scrubErrorMessage } from '../logger';
import type { AppContext } from '../context';
import { foldCountDeltas } from '../letters/counts.service';
import type { Mailer } from './mailer';
import { TASK_SIGNATURE_EMAIL, type SignatureEmailJob } from './queue';
import { sendSignatureEmail } from './signature-email.task';
import { DAILY_DIGEST_CRONTAB, runDailyDigest, sendOwnerDigest, TASK_DAILY_DIGEST, TASK_OWNER_DIGEST_EMAIL, type OwnerDigestJob } from '../updates/digest.service';
import { fanOut } from '../updates/updates.service';
import { sendUpdateEmail } from '../updates/update-email.task';
import { TASK_UPDATE_EMAIL, TASK_UPDATE_FANOUT, type FanoutJob, type UpdateEmailJob } from '../updates/updates.queue';
import { WorkerPresence } from './worker-presence';
import { relayOutbox, RELAY_BATCH } from './outbox-relay';
import { sendSignInEmail } from '../organisers/sign-in-email.task';
import { TASK_ORGANISER_SIGN_IN_EMAIL, type SignInEmailJob } from '../organisers/sign-in.service';
import { pruneSessions } from '../organisers/session';
import { sendTeamInvitationEmail } from '../organisers/invitation-email.task';
import { pruneInvitations, TASK_TEAM_INVITATION_EMAIL, type TeamInvitationJob } from '../organisers/invitations.service';
import { recordJobOutcome } from '../ops/metrics';
import { PRIVACY_CRONTAB, privacyRetentionTask, TASK_PRIVACY_RETENTION } from '../privacy/retention.task';

/**
 * graphile-worker stores a failed job's error message in its table (`last_error`) until the job
 * succeeds or is deleted, and an SMTP refusal usually quotes the recipient ("550 5.1.1
 * <anna@example.org>: Recipient address rejected"). Each task's error is therefore rethrown with
 * its message scrubbed, keeping its class name and code, before the queue sees it.
 */
export class ScrubbedJobError extends Error {
  readonly code?: string;

  constructor(err: unknown) {
    const e = (err ?? {}) as { name?: unknown; code?: unknown; responseCode?: unknown; constructor?: { name?: unknown } };
    super(scrubErrorMessage(err instanceof Error ? err.message : String(err)));
    // The original's class, for the log line.
    const ctor = e.constructor?.name;
    this.name = typeof e.name === 'string' && e.name !== 'Error' && e.name !== 'error' ? e.name : typeof ctor === 'string' && ctor ? ctor : 'Error';
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

export interface Worker {
  stop(): Promise<void>;
}

/**
 * The worker: relays the signing outbox into the queue, sends queued email and folds count deltas. Any number may run against one
 * database; each job is taken by exactly one of them.
 */
export async function startWorker(
  ctx: AppContext,
  mailer: Mailer,
  opts: { foldEveryMs?: number; relayEveryMs?: number } = {},
): Promise<Worker> {
  const taskList: Record<string, Task> = {
    [TASK_SIGNATURE_EMAIL]: async (payload) => {
      await sendSignatureEmail(ctx, mailer, payload as SignatureEmailJob);
    },
    [TASK_UPDATE_FANOUT]: async (payload) => {
      await fanOut(ctx, payload as FanoutJob);
    },
    [TASK_UPDATE_EMAIL]: async (payload) => {
      await sendUpdateEmail(ctx, mailer, payload as UpdateEmailJob);
    },
    [TASK_DAILY_DIGEST]: async () => {
      await runDailyDigest(ctx);
    },
    [TASK_OWNER_DIGEST_EMAIL]: async (payload) => {
      await sendOwnerDigest(ctx, mailer, payload as OwnerDigestJob);
    },
    [TASK_ORGANISER_SIGN_IN_EMAIL]: async (payload) => {
      await sendSignInEmail(ctx, mailer, payload as SignInEmailJob);
    },
    [TASK_TEAM_INVITATION_EMAIL]: async (payload) => {
      await sendTeamInvitationEmail(ctx, mailer, payload as TeamInvitationJob);
    },
    [TASK_PRIVACY_RETENTION]: privacyRetentionTask(ctx),
  };
  // Each worker pool announces itself before it takes a job, so a crashed process's jobs can be told
  // from a live one's and unlocked at once instead of after graphile-worker's 4 hours.
  const presence = new WorkerPresence(pgPool(ctx.db), ctx.log);
  await presence.start();
  const events = new EventEmitter() as WorkerEvents;
  // Jobs are locked in the name of the worker pool (one per process), not of its workers.
  events.on('pool:create', ({ workerPool }) => presence.claim(workerPool.id));
  events.on('pool:release', ({ workerPool }) => presence.release(workerPool.id));
  const runner: Runner = await run({
    pgPool: pgPool(ctx.db),
    taskList: scrubbingErrors(taskList),
    crontab: [DAILY_DIGEST_CRONTAB, PRIVACY_CRONTAB].join('\n'),
    concurrency: ctx.config.WORKER_CONCURRENCY,
    pollInterval: 1000,
    // Jobs are fetched (and locked in this pool's name) several at a time, not one query per job:
    // measured 320 → 385 emails/s on 2 cores, a third less PostgreSQL time per email. A crashed
    // process's fetched jobs are unlocked like its running ones (WorkerPresence).
    preset: { worker: { localQueue: { size: ctx.config.WORKER_CONCURRENCY * 5 } } },
    noHandleSignals: true,
    logger: silentLogger(),
    events,
  });
  const grace = ctx.config.WORKER_RECOVERY_AFTER_SECONDS;
  let recovering: Promise<unknown> = presence
    .recoverDeadWorkers(grace)
    .catch((err: Error) => ctx.log.warn({ err: err.message }, 'job recovery failed'));
  const recoveryTimer = setInterval(() => {
    recovering = presence.recoverDeadWorkers(grace).catch((err: Error) => ctx.log.warn({ err: err.message }, 'job recovery failed'));
  }, Math.min(grace, 30) * 1000);
  runner.events.on('job:success', ({ job }) => recordJobOutcome(job.task_identifier, 'success'));
  runner.events.on('job:error', ({ job, error }) => {
    recordJobOutcome(job.task_identifier, 'error');
    // Already scrubbed (ScrubbedJobError); the logger's err serializer scrubs once more.
    ctx.log.warn({ jobId: job.id, task: job.task_identifier, attempts: job.attempts, err: error }, 'job failed, will retry');
  });
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
  let folding: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    folding = foldCountDeltas(ctx.db).catch((err: Error) => ctx.log.warn({ err: err.message }, 'count fold failed'));
  }, opts.foldEveryMs ?? 2000);
  // Expired rate-limit counters and sessions only take room: once a minute is enough. Every two
  // seconds, on a viral day's 600,000 counter rows, the scan took ~90 ms of PostgreSQL each time.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweepTimer = setInterval(() => {
    sweeping = ctx.db
      .query('DELETE FROM rate_limits WHERE expire < $1', [Date.now()])
      .then(() => pruneSessions(ctx))
      .then(() => pruneInvitations(ctx))
      .catch((err: Error) => ctx.log.warn({ err: err.message }, 'expired counters and sessions sweep failed'));
  }, 60_000);
  return {
    async stop() {
      relaying = false;
      wakeRelay();
      await relayLoop;
      clearInterval(timer);
      clearInterval(sweepTimer);
      clearInterval(recoveryTimer);
      await runner.stop();
      await Promise.all([folding, sweeping, recovering]);
      await presence.stop();
    },
  };
}
