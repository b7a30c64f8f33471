import type { Task } from 'graphile-worker';
import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import type { Mailer } from './mailer';

/**
 * The durable outbox. Jobs live in PostgreSQL (graphile-worker's schema) and are added with
 * SQL inside the caller's transaction, so an email exists exactly when the change that causes
 * it commits. Workers take jobs with SKIP LOCKED (one worker per job) and retry failures with
 * exponential backoff.
 *
 * New signatures, the one producer that runs thousands of times a minute, write plain rows into
 * `job_outbox` in the statement that creates them instead, and the worker relays those into the
 * queue in batches (src/platform/mail/outbox-relay.ts): add_job's NOTIFY serialises commits.
 */
export async function enqueue(
  tx: EntityManager,
  task: string,
  payload: object,
  opts: { runAt?: Date; jobKey?: string; maxAttempts?: number; queueName?: string } = {},
): Promise<void> {
  // queueName: jobs of one named queue run one at a time (only in a runner without a local queue).
  await tx.query(
    `SELECT graphile_worker.add_job($1, $2::json, run_at => $3::timestamptz, job_key => $4, max_attempts => $5, queue_name => $6)`,
    [
      task,
      JSON.stringify(payload),
      opts.runAt ?? null,
      opts.jobKey ?? null,
      opts.maxAttempts ?? 25,
      opts.queueName ?? null,
    ],
  );
}

/** What every feature's `tasks.ts` is given by the job host (src/app/jobs/worker.ts). */
export interface JobDeps {
  ctx: AppContext;
  mailer: Mailer;
  /** How often the count deltas are folded (tests fold faster). */
  foldEveryMs?: number;
}

/** A feature's jobs: its tasks by name, its crontab lines and the chores it repeats. */
export interface FeatureJobs {
  tasks?: Record<string, Task>;
  /**
   * Tasks that may hold their place for seconds: those that talk to the outside world (webhooks)
   * and heavy computations (word diffs). A runner of their own runs them, with its own
   * concurrency (WEBHOOK_CONCURRENCY) and no local queue, so that the emails signers wait for
   * never queue behind them, and a named queue's jobs run one at a time.
   */
  slowTasks?: Record<string, Task>;
  crontab?: string[];
  chores?: Chore[];
}

/** Work done every few seconds or minutes by each worker; a failure is logged and tried again next time. */
export interface Chore {
  everyMs: number;
  run(): Promise<unknown>;
  /** The log line when it fails (the error message, not personal data, is logged with it). */
  failure: string;
}
