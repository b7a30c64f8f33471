import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/app/data-source';
import { dropStatementNames, pgPool, timedPool } from '../../../src/platform/db/pool';

// A stranger's query whose cost its parameters decide (a search) runs on connections that carry
// their own time limit: one round trip, stopped by PostgreSQL at the limit, and closed with the
// data source.
describe('timedPool', () => {
  let db: DataSource;

  beforeEach(async () => {
    db = createDataSource(process.env.TEST_DB_URL!, { poolSize: 3 });
    await db.initialize();
  });

  afterEach(async () => {
    if (db.isInitialized) await db.destroy();
  });

  test('its connections stop every statement at the limit; the shared pool has none', async () => {
    const pool = timedPool(db, 40)!;
    expect((await pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0].statement_timeout).toBe(
      '40ms',
    );
    await expect(pool.query('SELECT pg_sleep(0.5)')).rejects.toMatchObject({ code: '57014' });
    // The same limit gets the same connections; the shared pool's statements are not limited.
    expect(timedPool(db, 40)).toBe(pool);
    expect((await db.query('SHOW statement_timeout'))[0].statement_timeout).toBe('0');
  });

  test('are closed with the data source', async () => {
    const pool = timedPool(db, 40)!;
    await pool.query('SELECT 1');
    expect(pool.totalCount).toBe(1);
    await db.destroy();
    expect(pool.ended).toBe(true);
    expect(pool.totalCount).toBe(0);
  });

  test('behind a transaction pooler (statement names dropped) there are none: the caller limits in a transaction', () => {
    dropStatementNames(pgPool(db));
    expect(timedPool(db, 40)).toBeNull();
  });
});
