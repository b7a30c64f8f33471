import { fromAcceptLanguage } from '../../../src/platform/web/i18n';

describe('Accept-Language', () => {
  test('picks the best supported language by weight', () => {
    expect(fromAcceptLanguage('de-DE,de;q=0.9,ru;q=0.8,en;q=0.7')).toBe('ru');
    expect(fromAcceptLanguage('ky, uk;q=0.5')).toBe('uk');
    expect(fromAcceptLanguage('kk, uk;q=0.5')).toBe('kk');
    expect(fromAcceptLanguage('kk-KZ,ru;q=0.9')).toBe('kk');
    expect(fromAcceptLanguage('de')).toBeNull();
    expect(fromAcceptLanguage(undefined)).toBeNull();
  });
});
