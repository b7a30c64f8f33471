import type { DataSource } from 'typeorm';

/** Rows moved per transaction: one add_jobs call and one NOTIFY for all of them. */
export const RELAY_BATCH = 500;

interface OutboxRow {
  id: string;
  identifier: string;
  payload: unknown;
  run_at: Date;
  job_key: string | null;
  max_attempts: number;
}

/**
 * Moves up to `batch` rows of the signing outbox (`job_outbox`) into graphile-worker's queue, in
 * one transaction: a row leaves the outbox exactly when its job exists. Several workers share the
 * work (SKIP LOCKED). Specs are built as graphile-worker's own addJobs builds them. Returns the
 * number of rows moved.
 */
export async function relayOutbox(db: DataSource, batch = RELAY_BATCH): Promise<number> {
  return db.transaction(async (tx) => {
    // The batch is chosen and locked once (a MATERIALIZED CTE): as `id IN (SELECT … LIMIT … SKIP
    // LOCKED)` PostgreSQL may scan the subquery again for every outbox row, each scan skipping the
    // rows already deleted and taking the next ones, and delete far more than the batch.
    // TypeORM answers a DELETE with [rows, affected].
    const [rows]: [OutboxRow[], number] = await tx.query(
      `WITH batch AS MATERIALIZED (SELECT id FROM job_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       DELETE FROM job_outbox o USING batch WHERE o.id = batch.id
       RETURNING o.id, o.task AS identifier, o.payload, o.run_at, o.job_key, o.max_attempts`,
      [batch],
    );
    if (!rows.length) return 0;
    // One add_jobs call may not name a job key twice: the newest row for a key wins, as it would
    // have with one add_job call after another.
    const byKey = new Map<string, OutboxRow>();
    const specs: OutboxRow[] = [];
    for (const row of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
      if (row.job_key) byKey.set(row.job_key, row);
      else specs.push(row);
    }
    specs.push(...byKey.values());
    await tx.query(
      `SELECT count(*) FROM graphile_worker.add_jobs(array(SELECT json_populate_recordset(null::graphile_worker.job_spec, $1::json)))`,
      [JSON.stringify(specs.map(({ id: _id, ...spec }) => spec))],
    );
    return rows.length;
  });
}
