import { initialsOf, publicName } from '../../src/signatures/display-name';
import { fromAcceptLanguage } from '../../src/web/i18n';
import { scrubEmails, scrubUrl } from '../../src/logger';

describe('how a signer appears', () => {
  test('initials keep each script', () => {
    expect(initialsOf('Айгерім Қасымқызы')).toBe('А. Қ.');
    expect(initialsOf('  jean-luc  picard ')).toBe('J. L. P.');
    expect(initialsOf('Мұхтар Әбілқасымұлы')).toBe('М. Ә.');
  });
  test('private signers have no public name', () => {
    expect(publicName('Olena', 'private')).toBeNull();
    expect(publicName('Olena Kovalchuk', 'public')).toBe('Olena Kovalchuk');
  });
});

describe('Accept-Language', () => {
  test('picks the best supported language by weight', () => {
    expect(fromAcceptLanguage('de-DE,de;q=0.9,ru;q=0.8,en;q=0.7')).toBe('ru');
    expect(fromAcceptLanguage('kk, uk;q=0.5')).toBe('uk');
    expect(fromAcceptLanguage('de')).toBeNull();
    expect(fromAcceptLanguage(undefined)).toBeNull();
  });
});

describe('log scrubbing', () => {
  test('addresses quoted in error messages are replaced', () => {
    expect(scrubEmails('550 5.1.1 <olena.k+x@example.org>: Recipient address rejected')).toBe('550 5.1.1 <[email]>: Recipient address rejected');
  });

  test('tokens in paths and query strings never reach the log', () => {
    const token = 'q3Yh5b1m3r7pY0oKcW3bq8y8pXo1Jp1VqgG5nL8y2sU';
    expect(scrubUrl(`/s/confirm/${token}`)).toBe('/s/confirm/[token]');
    expect(scrubUrl('/letters/x?email=a@b.c')).toBe('/letters/x?[query]');
    expect(scrubUrl('/letters/birthday-greeting-mukhtar-ablyazov')).toBe('/letters/birthday-greeting-mukhtar-ablyazov');
    expect(scrubUrl(`/u/${token}?x=1`)).toBe('/u/[token]?[query]');
  });
});
