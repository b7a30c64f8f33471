/**
 * The delivery pack's own words (cover, translated cells, page line) come from the exports
 * catalogue, like every other interface text: one system translates one PDF.
 */
import { LANGUAGES } from '../../../src/core/letters/letter.entity';
import { packLabels } from '../../../src/features/exports/writers/pdf.writer';
import { initI18n, tFor } from '../../../src/platform/web/i18n';

const KEYS = [
  'openLetter',
  'to',
  'generated',
  'verifiedSignatures',
  'signatories',
  'noSignatures',
  'individual',
  'organisation',
  'online',
  'paper',
] as const;

beforeAll(() => initI18n());

describe('PDF pack labels', () => {
  test.each([...LANGUAGES])('in %s they are the exports catalogue entries', (lang) => {
    const t = tFor(lang);
    const labels = packLabels(lang);
    for (const key of KEYS) {
      expect(t(`exports.pdf.${key}`)).not.toBe(`exports.pdf.${key}`); // present in the catalogue
      expect(labels[key]).toBe(t(`exports.pdf.${key}`));
    }
    expect(labels.pageLine('exp_1', 2, 7)).toBe(t('exports.pdf.pageLine', { exportId: 'exp_1', page: 2, pages: 7 }));
  });

  test('a regional tag takes its language, an unsupported language takes English throughout', () => {
    expect(packLabels('ru-RU').signatories).toBe(tFor('ru')('exports.pdf.signatories'));
    expect(packLabels('de').locale).toBe('en');
    expect(packLabels('de').pageLine('exp_1', 1, 3)).toBe('Export exp_1 · page 1 of 3');
  });
});
