import { ConfigError, loadConfig } from '../../../src/platform/config';

describe('configuration', () => {
  test('production without SMTP_URL, BASE_URL and SESSION_SECRET stops with one message per variable', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@localhost/db' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/SMTP_URL/);
    expect(problems.join('\n')).toMatch(/BASE_URL/);
    expect(problems.join('\n')).toMatch(/SESSION_SECRET/);
  });

  test('outside production everything has a working default', () => {
    const c = loadConfig({});
    expect(c.BASE_URL).toBe('http://localhost:3000');
    expect(c.SMTP_URL).toBeUndefined();
    expect(c.SEED_ON_START).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  test('a malformed value is named', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ BASE_URL: 'not a url' })).toThrow(/BASE_URL/);
  });

  test("the security contact defaults to security@ the site's host and must be a mailto:, https: or tel: URI", () => {
    expect(loadConfig({ BASE_URL: 'https://letters.example.org/' }).SECURITY_CONTACT).toBe(
      'mailto:security@letters.example.org',
    );
    expect(loadConfig({ SECURITY_CONTACT: 'abuse@example.org' }).SECURITY_CONTACT).toBe('mailto:abuse@example.org');
    expect(loadConfig({ SECURITY_CONTACT: 'https://example.org/report' }).SECURITY_CONTACT).toBe(
      'https://example.org/report',
    );
    expect(() => loadConfig({ SECURITY_CONTACT: 'http://example.org/report' })).toThrow(/SECURITY_CONTACT/);
    expect(() => loadConfig({ SECURITY_CONTACT: 'somebody' })).toThrow(/SECURITY_CONTACT/);
  });

  test('empty values count as unset', () => {
    expect(loadConfig({ SMTP_URL: '', DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
