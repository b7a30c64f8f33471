import crypto from 'node:crypto';
import { createDataSource } from '../../../src/app/data-source';
import type { PoolClient } from 'pg';
import { relayOutbox } from '../../../src/platform/mail/outbox-relay';
import { pgPool } from '../../../src/platform/db/pool';
import { useTestApp } from '../../support/test-app';

// No worker: this test alone moves the outbox, and no task handles its jobs.
const t = useTestApp({}, { worker: false });
afterEach(async () => {
  await t.db.query(
    `DELETE FROM graphile_worker._private_jobs WHERE task_id IN (SELECT id FROM graphile_worker._private_tasks WHERE identifier = $1)`,
    [task],
  );
  await t.db.query(`DELETE FROM job_outbox WHERE task = $1`, [task]);
});

const task = `relay-test-${crypto.randomBytes(3).toString('hex')}`;

async function jobsOfTask(): Promise<Array<{ key: string | null; payload: { n: number }; run_at: Date }>> {
  return t.db.query(
    `SELECT j.key, j.payload, j.run_at FROM graphile_worker._private_jobs j
       JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE k.identifier = $1 ORDER BY (j.payload->>'n')::int`,
    [task],
  );
}

test('three relays at once move every outbox row into the queue exactly once, the newest row winning a shared job key', async () => {
  await t.db.query(
    `INSERT INTO job_outbox (task, payload, run_at, job_key)
     SELECT $1, json_build_object('n', g), now() + (g || ' seconds')::interval, CASE WHEN g > 1200 THEN 'relay-key' END
       FROM generate_series(1, 1203) g`,
    [task],
  );
  // Other test files may have left rows of their own: the relay moves those too.
  const moved: number[] = [];
  await Promise.all(
    [1, 2, 3].map(async () => {
      for (let n = await relayOutbox(t.db, 100); n > 0; n = await relayOutbox(t.db, 100)) moved.push(n);
    }),
  );
  expect(moved.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1203);
  expect(moved.every((n) => n <= 100)).toBe(true);
  expect(await t.db.query('SELECT 1 FROM job_outbox WHERE task = $1', [task])).toEqual([]);

  const jobs = await jobsOfTask();
  // 1,200 keyless jobs, and one job for the key: rows 1201–1203 named it; the last one written stays.
  expect(jobs.filter((j) => j.key === null).map((j) => j.payload.n)).toEqual(
    Array.from({ length: 1200 }, (_, i) => i + 1),
  );
  const keyed = jobs.filter((j) => j.key === 'relay-key');
  expect(keyed).toHaveLength(1);
  expect(keyed[0].payload.n).toBe(1203);
});

/**
 * A connection whose planner may not hash, merge, sort or materialise: it picks the plans
 * PostgreSQL may also pick by itself (a small or stale table's statistics), where a subquery is
 * scanned again for every row of the outer table.
 */
async function nestedLoopsOnly() {
  const url = new URL(process.env.TEST_DB_URL!);
  url.searchParams.set(
    'options',
    ['enable_hashjoin', 'enable_mergejoin', 'enable_material', 'enable_hashagg', 'enable_sort']
      .map((s) => `-c ${s}=off`)
      .join(' '),
  );
  const db = createDataSource(url.toString(), { poolSize: 1 });
  await db.initialize();
  return db;
}

test('a relay moves at most its batch whatever plan PostgreSQL picks: the batch is chosen and locked once', async () => {
  const batch = 100;
  const rows = 12 * batch;
  await t.db.query(
    `INSERT INTO job_outbox (task, payload) SELECT $1, json_build_object('n', g) FROM generate_series(1, $2::int) g`,
    [task, rows],
  );
  const planned = await nestedLoopsOnly();
  try {
    // Other test files may have left rows of their own (older: they go first); only the bound is counted.
    const before: Array<{ n: number }> = await t.db.query(`SELECT count(*)::int AS n FROM job_outbox`);
    const moved = await relayOutbox(planned, batch);
    const after: Array<{ n: number }> = await t.db.query(`SELECT count(*)::int AS n FROM job_outbox`);
    expect(moved).toBe(batch);
    expect(before[0].n - after[0].n).toBe(batch);
  } finally {
    await planned.destroy();
  }
});

test('a relay that fails half-way leaves the outbox as it was', async () => {
  // An empty job key is refused by graphile-worker's table, after the DELETE already ran.
  await t.db.query(
    `INSERT INTO job_outbox (task, payload, job_key) VALUES ($1, '{"n": 1}', NULL), ($1, '{"n": 2}', '')`,
    [task],
  );
  await expect(relayOutbox(t.db, 100_000)).rejects.toThrow(/jobs_key_check/);
  const left: Array<{ payload: unknown }> = await t.db.query(
    'SELECT payload FROM job_outbox WHERE task = $1 ORDER BY id',
    [task],
  );
  expect(left.map((r) => r.payload)).toEqual([{ n: 1 }, { n: 2 }]);
  expect(await jobsOfTask()).toEqual([]);
});

test('a relay is one statement (and one commit), whether it moves rows or finds none', async () => {
  // Every query any client of the pool runs meanwhile.
  const pool = pgPool(t.db);
  const seen: string[] = [];
  const wrapped = new Set<PoolClient>();
  const onAcquire = (client: PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    // An own property over the prototype's method, deleted afterwards.
    client.query = ((...args: unknown[]) => {
      const [first] = args;
      seen.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return query(...args);
    }) as PoolClient['query'];
  };
  await t.db.query(
    `INSERT INTO job_outbox (task, payload) SELECT $1, json_build_object('n', g) FROM generate_series(1, 3) g`,
    [task],
  );
  pool.on('acquire', onAcquire);
  try {
    // A batch that moves rows (other test files may have left rows of their own: they go too).
    expect(await relayOutbox(t.db, 100_000)).toBeGreaterThanOrEqual(3);
    expect(seen).toHaveLength(1);
    seen.length = 0;
    // An idle relay, as the worker runs five times a second when nobody signs.
    expect(await relayOutbox(t.db, 100)).toBe(0);
    expect(seen).toHaveLength(1);
  } finally {
    pool.off('acquire', onAcquire);
    for (const client of wrapped) delete (client as { query?: unknown }).query;
  }
  expect((await jobsOfTask()).map((j) => j.payload.n)).toEqual([1, 2, 3]);
});
