import { parseNetwork } from '../../../src/features/abuse/abuse.service';
import { isDisposableDomain } from '../../../src/features/abuse/disposable';
import { limitKeyForIp, limitNetwork } from '../../../src/platform/web/network';
import { decideEmail, suggestEmail } from '../../../src/features/abuse/typo-hint';

describe('typo hints for mail domains', () => {
  test.each([
    ['anna@gmial.com', 'anna@gmail.com'],
    ['anna@gmai.com', 'anna@gmail.com'],
    ['Anna.B@hotmial.com', 'Anna.B@hotmail.com'],
    ['olena@ukr.nte', 'olena@ukr.net'],
    ['ivan@yandex.r', 'ivan@yandex.ru'],
    ['pierre@outlok.com', 'pierre@outlook.com'],
  ])('%s looks like a slip for %s', (typed, suggested) => {
    expect(suggestEmail(typed)).toBe(suggested);
  });

  test.each([
    'anna@gmail.com',
    'ivan@mail.ru',
    'a@example.org',
    'a@univ-paris.fr',
    'a@unicef.org',
    'a@gmx.net',
    'no-at-sign',
  ])('%s is left alone', (typed) => {
    expect(suggestEmail(typed)).toBeNull();
  });

  test('the hint is shown once per typed address, and the suggestion is never taken from the form', () => {
    expect(decideEmail('a@gmial.com', {})).toEqual({ kind: 'hint', typed: 'a@gmial.com', suggestion: 'a@gmail.com' });
    expect(decideEmail('a@gmial.com', { emailHintFor: 'a@gmial.com' })).toEqual({
      kind: 'final',
      email: 'a@gmial.com',
    });
    expect(decideEmail('a@gmial.com', { emailHintFor: 'a@gmial.com', emailChoice: 'typed' })).toEqual({
      kind: 'final',
      email: 'a@gmial.com',
    });
    expect(
      decideEmail('a@gmial.com', {
        emailHintFor: 'a@gmial.com',
        emailChoice: 'suggested',
        emailSuggestion: 'evil@x.org',
      }),
    ).toEqual({
      kind: 'final',
      email: 'a@gmail.com',
    });
    // Another typo typed after the hint gets its own hint.
    expect(decideEmail('a@hotmial.com', { emailHintFor: 'a@gmial.com', emailChoice: 'suggested' }).kind).toBe('hint');
    expect(decideEmail('a@example.org', { emailChoice: 'suggested' })).toEqual({
      kind: 'final',
      email: 'a@example.org',
    });
  });
});

describe('disposable-address domains', () => {
  test('a known throwaway domain and its subdomains are recognised; ordinary domains are not', () => {
    expect(isDisposableDomain('mailinator.com')).toBe(true);
    expect(isDisposableDomain('MAILINATOR.COM')).toBe(true);
    expect(isDisposableDomain('eu.mailinator.com')).toBe(true);
    expect(isDisposableDomain('gmail.com')).toBe(false);
    expect(isDisposableDomain('example.org')).toBe(false);
    expect(isDisposableDomain('com')).toBe(false);
  });
});

describe('the network a request counts against', () => {
  test('IPv4, and IPv4 mapped into IPv6, count per address', () => {
    expect(limitNetwork('192.0.2.7')).toBe('192.0.2.7');
    expect(limitNetwork('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });

  test('IPv6 counts per /64, however the address is written', () => {
    expect(limitNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(limitNetwork('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(limitNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(limitKeyForIp('s', '2001:db8:1:2::5')).toBe(limitKeyForIp('s', '2001:db8:1:2:ffff::9'));
    expect(limitKeyForIp('s', '2001:db8:1:2::5')).not.toBe(limitKeyForIp('s', '2001:db8:1:3::5'));
  });

  test('limit keys are keyed hashes: no address appears in them', () => {
    const key = limitKeyForIp('secret', '203.0.113.9');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(key).not.toBe(limitKeyForIp('another-secret', '203.0.113.9'));
  });
});

describe('allowed networks as organisers type them', () => {
  test.each([
    ['192.0.2.10', '192.0.2.10/32'],
    [' 192.0.2.0/24 ', '192.0.2.0/24'],
    ['2001:db8::/48', '2001:db8::/48'],
  ])('%s is the network %s', (input, cidr) => {
    expect(parseNetwork(input)).toEqual({ cidr });
  });

  test.each([
    '',
    'example.org',
    '10.0.0.0/8',
    '0.0.0.0/0',
    '::/0',
    '192.0.2.0/33',
    '192.0.2.0/24/1',
    '192.0.2.0/ 24',
    '192.0.2.0/-1',
  ])('%j is refused', (input) => {
    expect(parseNetwork(input)).toBeNull();
  });
});
