import { localPath } from '../../../src/platform/web/local-path';

describe('localPath', () => {
  test.each([
    '/',
    '/login',
    '/letters/birthday-greeting/sign',
    '/organise/letters/new',
    '/a/b//c',
    '/%2F%2Fevil.example',
  ])('keeps %s', (path) => {
    expect(localPath(path)).toBe(path);
  });

  test.each([
    '//evil.example/phish',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/a\\b',
    '/\t/evil.example',
    '/\n/evil.example',
    '/ x',
    'evil.example',
    'https://evil.example/',
    '',
    'javascript:alert(1)',
  ])('turns %j into "/"', (path) => {
    expect(localPath(path)).toBe('/');
  });
});
