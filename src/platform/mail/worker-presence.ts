import { Client, type Pool } from 'pg';
import type { Logger } from '../logger';

/**
 * Recovery of jobs left locked by a worker process that died (SIGKILL, out of memory, a lost
 * machine). graphile-worker leaves such jobs locked for 4 hours before anyone may take them; a
 * signer would wait that long for their confirmation email.
 *
 * How we tell a dead worker from a live one, safely with any number of live workers:
 * graphile-worker locks jobs in the name of a worker pool (one per process, `locked_by` is the
 * pool's id). Each pool of this process holds a session-level PostgreSQL advisory lock named after
 * that id, on one dedicated connection (the "presence" connection). PostgreSQL releases a
 * session's advisory locks the moment the session ends, so when a process dies its locks go with
 * it, whatever the manner of death. A sweep (at start-up and then periodically, in every worker
 * process) looks at jobs locked for longer than a grace period, tries each locking worker's
 * advisory lock, and force-unlocks the jobs of the workers whose lock was free: nobody is there.
 *
 * The grace period covers the two moments where a live worker holds a job without holding its
 * advisory lock: the few milliseconds between the pool's creation and its claim, and a lost
 * presence connection (a PostgreSQL restart) until it reconnects and claims again.
 */
const LOCK_NAMESPACE = 4242002;
const RECONNECT_MS = 1000;

export class WorkerPresence {
  private client: Client | null = null;
  private readonly ids = new Set<string>();
  private connecting: Promise<void> | null = null;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  /** Opens the presence connection; later claims re-connect by themselves after a loss. */
  async start(): Promise<void> {
    await this.connect();
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      while (!this.closed) {
        const client = new Client({ ...this.pool.options, application_name: 'undersigned-worker-presence' });
        client.on('error', () => undefined);
        try {
          await client.connect();
          for (const id of this.ids)
            await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_NAMESPACE, id]);
          client.on('end', () => {
            if (this.client === client) this.client = null;
            if (!this.closed) {
              this.log.warn('worker presence connection lost, reconnecting');
              void this.connect();
            }
          });
          this.client = client;
          return;
        } catch {
          await client.end().catch(() => undefined);
          await new Promise((r) => setTimeout(r, RECONNECT_MS));
        }
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Marks a worker pool of this process as alive, for as long as this process's session lasts. */
  claim(id: string): void {
    this.ids.add(id);
    this.send('SELECT pg_advisory_lock($1, hashtext($2))', id);
  }

  release(id: string): void {
    this.ids.delete(id);
    this.send('SELECT pg_advisory_unlock($1, hashtext($2))', id);
  }

  /** One statement at a time on the presence connection; a lost connection re-claims on reconnect. */
  private send(sql: string, id: string): void {
    this.queue = this.queue.then(() => this.client?.query(sql, [LOCK_NAMESPACE, id])).catch(() => undefined);
  }

  /**
   * Unlocks the jobs (and job queues) of workers that are no longer alive. Returns the number of
   * dead workers found. Safe to run in several processes at once.
   */
  async recoverDeadWorkers(graceSeconds: number): Promise<number> {
    const pgc = await this.pool.connect();
    try {
      const { rows } = await pgc.query<{ locked_by: string }>(
        `SELECT locked_by FROM graphile_worker._private_jobs
          WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)
         UNION
         SELECT locked_by FROM graphile_worker._private_job_queues
          WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)`,
        [graceSeconds],
      );
      const dead: string[] = [];
      for (const { locked_by: id } of rows) {
        if (this.ids.has(id)) continue;
        const { rows: got } = await pgc.query<{ free: boolean }>(
          'SELECT pg_try_advisory_lock($1, hashtext($2)) AS free',
          [LOCK_NAMESPACE, id],
        );
        if (!got[0]?.free) continue; // its process is alive: the job is merely slow
        try {
          await pgc.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [[id]]);
          dead.push(id);
        } finally {
          await pgc.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, id]);
        }
      }
      if (dead.length) this.log.warn({ workers: dead.length }, 'unlocked the jobs of workers that died');
      return dead.length;
    } finally {
      pgc.release();
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
