import type { DataSource } from 'typeorm';

/**
 * Waits until the worker has no job left of `task` (optionally only those whose payload.id is `id`).
 * A job scheduled for later and never tried yet (an update an owner scheduled for tomorrow, left
 * by another file in this worker's database) is not waited for; a job waiting to be retried is.
 */
export async function drained(db: DataSource, task: string, id?: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = $1 AND ($2::text IS NULL OR j.payload->>'id' = $2)
          AND NOT (j.attempts = 0 AND j.run_at > now() + interval '1 minute')`,
      [task, id ?? null],
    );
    if (Number(row?.n) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`jobs of ${task} still queued after ${timeoutMs} ms`);
}
