import { ConfigError, loadConfig } from '../../../src/platform/config';

describe('MIGRATION_DATABASE_URL', () => {
  test('unset: one role, as before', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://app@db/undersigned' }).MIGRATION_DATABASE_URL).toBeUndefined();
  });

  test('set with another role in DATABASE_URL: accepted', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://app@db/undersigned',
      MIGRATION_DATABASE_URL: 'postgres://owner@db/undersigned',
    });
    expect(c.MIGRATION_DATABASE_URL).toBe('postgres://owner@db/undersigned');
  });

  test('refused without DATABASE_URL, or with the same role in both', () => {
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: 'postgres://owner@db/undersigned' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://owner@db/x', MIGRATION_DATABASE_URL: 'postgres://owner@db/x' }),
    ).toThrow(/another role/);
  });
});
