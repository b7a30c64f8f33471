import type { DataSource } from 'typeorm';
import { pgPool } from '../db/pool';

/** Rows moved per statement: one add_jobs call and one NOTIFY for all of them. */
export const RELAY_BATCH = 500;

/**
 * Moves up to `batch` rows of the signing outbox (`job_outbox`) into graphile-worker's queue, in
 * ONE statement (its own transaction): a row leaves the outbox exactly when its job exists.
 * Several workers share the work (SKIP LOCKED). Specs are built as graphile-worker's own addJobs
 * builds them. Returns the number of rows moved. It was four round trips (BEGIN, the DELETE,
 * add_jobs, COMMIT), three of them for an empty outbox, five times a second per worker.
 *
 * The batch is chosen and locked once (a MATERIALIZED CTE): as `id IN (SELECT … LIMIT … SKIP
 * LOCKED)` PostgreSQL may scan the subquery again for every outbox row, each scan skipping the
 * rows already deleted and taking the next ones, and delete far more than the batch. One
 * add_jobs call may not name a job key twice: the newest row for a key wins, as it would have
 * with one add_job call after another. add_jobs is called only when rows moved (no NOTIFY for
 * nothing).
 */
export const RELAY_SQL = `WITH batch AS MATERIALIZED (
       SELECT id FROM job_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
     ), moved AS (
       DELETE FROM job_outbox o USING batch WHERE o.id = batch.id
       RETURNING o.id, o.task, o.payload, o.run_at, o.job_key, o.max_attempts
     ), specs AS (
       SELECT id, task, payload, run_at, job_key, max_attempts FROM moved WHERE job_key IS NULL
       UNION ALL
       SELECT * FROM (
         SELECT DISTINCT ON (job_key) id, task, payload, run_at, job_key, max_attempts FROM moved
          WHERE job_key IS NOT NULL ORDER BY job_key, id DESC
       ) newest
     )
     SELECT (SELECT count(*) FROM moved) AS moved,
            CASE WHEN EXISTS (SELECT 1 FROM specs) THEN (
              SELECT count(*) FROM graphile_worker.add_jobs(array(
                SELECT json_populate_recordset(null::graphile_worker.job_spec, (
                  SELECT json_agg(json_build_object('identifier', task, 'payload', payload, 'run_at', run_at,
                                                    'job_key', job_key, 'max_attempts', max_attempts) ORDER BY id)
                    FROM specs))))
            ) END AS added`;

export async function relayOutbox(db: DataSource, batch = RELAY_BATCH): Promise<number> {
  const { rows } = await pgPool(db).query<{ moved: string; added: string | null }>({
    name: 'outbox-relay',
    text: RELAY_SQL,
    values: [batch],
  });
  return Number(rows[0]?.moved ?? 0);
}
