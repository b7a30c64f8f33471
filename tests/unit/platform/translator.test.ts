import i18next from 'i18next';
import { initI18n, loadCatalogue, tFor } from '../../../src/platform/web/i18n';
import { LANGUAGES } from '../../../src/platform/web/languages';

type Catalogue = { [key: string]: string | Catalogue };
const keys = (c: Catalogue, prefix = ''): string[] =>
  Object.entries(c).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)));

describe('tFor: the translation function of one language', () => {
  // A reference instance of i18next on the same catalogues, asked every time.
  const reference = i18next.createInstance();
  beforeAll(async () => {
    await initI18n();
    await reference.init({
      resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: loadCatalogue(l) }])),
      fallbackLng: 'en',
      interpolation: { escapeValue: false },
      initAsync: false,
    });
  });

  it.each([...LANGUAGES])('gives every message of %s as i18next does, the first time and again', (lang) => {
    const t = tFor(lang);
    const fixed = reference.getFixedT(lang);
    for (const key of keys(loadCatalogue('en'))) {
      const want = fixed(key);
      expect(t(key)).toBe(want);
      expect(t(key)).toBe(want);
    }
  });

  it('still interpolates and counts when given options, whatever was asked before', () => {
    const t = tFor('en');
    const key = keys(loadCatalogue('en')).find((k) => /\{\{count\}\}/.test(String(t(k))));
    expect(key).toBeDefined();
    expect(t(key!, { count: 7 })).toContain('7');
    expect(t(key!, { count: 12 })).toContain('12');
  });

  it('answers a key it does not know with the key, and keeps answering so', () => {
    const t = tFor('fr');
    expect(t('no.such.message')).toBe('no.such.message');
    expect(t('no.such.message')).toBe('no.such.message');
  });
});
