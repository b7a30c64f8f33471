import { emailDomain, normaliseEmail } from '../../../src/platform/mail/email-address';

describe('normalising an address to find the same person signing again', () => {
  test('case and surrounding spaces never make a different address', () => {
    expect(normaliseEmail('  Anna.Smith@Example.ORG \t')).toBe('anna.smith@example.org');
  });

  test('Gmail ignores dots in the local part, and so do we', () => {
    expect(normaliseEmail('a.n.n.a@gmail.com')).toBe('anna@gmail.com');
    expect(normaliseEmail('A.N.N.A@GMAIL.COM')).toBe('anna@gmail.com');
  });

  test('Gmail +tags are dropped', () => {
    expect(normaliseEmail('anna+petition@gmail.com')).toBe('anna@gmail.com');
    expect(normaliseEmail('an.na+one+two@gmail.com')).toBe('anna@gmail.com');
  });

  test('googlemail.com is the same mailbox as gmail.com', () => {
    expect(normaliseEmail('Anna.B+x@googlemail.com')).toBe('annab@gmail.com');
    expect(normaliseEmail('annab@googlemail.com')).toBe(normaliseEmail('anna.b@gmail.com'));
  });

  test('other providers keep dots and +tags: for them they may be different mailboxes', () => {
    expect(normaliseEmail('anna.b+news@example.org')).toBe('anna.b+news@example.org');
    expect(normaliseEmail('a.b@outlook.com')).not.toBe(normaliseEmail('ab@outlook.com'));
    expect(normaliseEmail('anna+x@proton.me')).toBe('anna+x@proton.me');
  });

  test('a domain that only contains "gmail" is not Gmail', () => {
    expect(normaliseEmail('a.b+c@gmail.com.example.org')).toBe('a.b+c@gmail.com.example.org');
    expect(normaliseEmail('a.b+c@notgmail.com')).toBe('a.b+c@notgmail.com');
  });

  test('Unicode local parts are kept, lower-cased', () => {
    expect(normaliseEmail('Олена.Коваль@Приклад.укр')).toBe('олена.коваль@приклад.укр');
    expect(normaliseEmail('Айгерім@example.kz')).toBe('айгерім@example.kz');
  });

  test('without an "@" the text is only trimmed and lower-cased, and has no domain', () => {
    expect(normaliseEmail('  Not An Address ')).toBe('not an address');
    expect(normaliseEmail('@gmail.com')).toBe('@gmail.com');
    expect(emailDomain('no-at-sign')).toBe('');
  });

  test('the last "@" separates the domain', () => {
    expect(normaliseEmail('"a@b"@Example.org')).toBe('"a@b"@example.org');
    expect(emailDomain('x@GoogleMail.com')).toBe('gmail.com');
  });
});
