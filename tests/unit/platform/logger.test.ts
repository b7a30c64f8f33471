import { scrubEmails, scrubUrl } from '../../../src/platform/logger';

describe('log scrubbing', () => {
  test('addresses quoted in error messages are replaced', () => {
    expect(scrubEmails('550 5.1.1 <olena.k+x@example.org>: Recipient address rejected')).toBe(
      '550 5.1.1 <[email]>: Recipient address rejected',
    );
  });

  test('tokens in paths and query strings never reach the log', () => {
    const token = 'q3Yh5b1m3r7pY0oKcW3bq8y8pXo1Jp1VqgG5nL8y2sU';
    expect(scrubUrl(`/s/confirm/${token}`)).toBe('/s/confirm/[token]');
    expect(scrubUrl('/letters/x?email=a@b.c')).toBe('/letters/x?[query]');
    expect(scrubUrl('/letters/birthday-greeting-mukhtar-ablyazov')).toBe('/letters/birthday-greeting-mukhtar-ablyazov');
    expect(scrubUrl(`/u/${token}?x=1`)).toBe('/u/[token]?[query]');
  });
});
