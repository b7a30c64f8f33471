import { ConfigError, loadConfig } from '../../../src/platform/config';

describe('DATABASE_TRANSACTION_POOLING and DATABASE_DIRECT_URL', () => {
  const url = 'postgres://app@pgbouncer:6432/undersigned';

  test('off by default: named statements, the worker on DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: url });
    expect(c.DATABASE_TRANSACTION_POOLING).toBe(false);
    expect(c.DATABASE_DIRECT_URL).toBeUndefined();
  });

  test('a web process behind a transaction pooler needs nothing more', () => {
    expect(
      loadConfig({ DATABASE_URL: url, ROLE: 'web', DATABASE_TRANSACTION_POOLING: 'true' }).DATABASE_TRANSACTION_POOLING,
    ).toBe(true);
  });

  test('a process that runs the worker is refused without a direct connection, with the reason', () => {
    for (const ROLE of ['worker', 'all']) {
      expect(() => loadConfig({ DATABASE_URL: url, ROLE, DATABASE_TRANSACTION_POOLING: 'true' })).toThrow(
        /DATABASE_DIRECT_URL: required with DATABASE_TRANSACTION_POOLING/,
      );
      const c = loadConfig({
        DATABASE_URL: url,
        ROLE,
        DATABASE_TRANSACTION_POOLING: 'true',
        DATABASE_DIRECT_URL: 'postgres://app@db:5432/undersigned',
      });
      expect(c.DATABASE_DIRECT_URL).toBe('postgres://app@db:5432/undersigned');
    }
  });

  test('DATABASE_DIRECT_URL alone, without DATABASE_URL, is refused', () => {
    expect(() => loadConfig({ DATABASE_DIRECT_URL: 'postgres://app@db/undersigned' })).toThrow(ConfigError);
  });
});
