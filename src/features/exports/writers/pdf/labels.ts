/**
 * The pack's own words (cover, translated cell values, page line) from the exports catalogue, so
 * one PDF is translated by the same system as every page. Any language without a catalogue falls
 * back to English, and dates and numbers are then formatted in English too, so the cover never
 * mixes languages.
 */
import { initI18n, isLanguage, tFor } from '../../../../platform/web/i18n';

export interface PackLabels {
  /** The language the labels are in, for Intl formats on the cover. */
  locale: string;
  openLetter: string;
  to: string;
  generated: string;
  verifiedSignatures: string;
  signatories: string;
  noSignatures: string;
  individual: string;
  organisation: string;
  online: string;
  paper: string;
  /** Heading of the pages that print each version of the text the signatures are under. */
  signedTexts: string;
  /** "Version 1 (uk), published on …: 12 signatures in this pack". */
  signedTextLine: (p: { language: string; version: number; date: string; count: number; current: boolean }) => string;
  /** The last page: the summary of the audit trail. */
  auditTitle: string;
  auditIntro: string;
  auditNone: string;
  /** Footer line: export id, page number, page count. */
  pageLine: (exportId: string, page: number, pages: number) => string;
}

/** 'uk-UA' → uk labels; unknown languages → English. */
export function packLabels(language: string): PackLabels {
  const base = language.toLowerCase().split(/[-_]/)[0];
  const lang = isLanguage(base) ? base : 'en';
  // Synchronous and done once: a writer may run where nothing has loaded the catalogues yet.
  void initI18n();
  const t = tFor(lang);
  return {
    locale: lang,
    openLetter: t('exports.pdf.openLetter'),
    to: t('exports.pdf.to'),
    generated: t('exports.pdf.generated'),
    verifiedSignatures: t('exports.pdf.verifiedSignatures'),
    signatories: t('exports.pdf.signatories'),
    noSignatures: t('exports.pdf.noSignatures'),
    individual: t('exports.pdf.individual'),
    organisation: t('exports.pdf.organisation'),
    online: t('exports.pdf.online'),
    paper: t('exports.pdf.paper'),
    signedTexts: t('exports.pdf.signedTexts'),
    signedTextLine: (p) =>
      t(p.current ? 'exports.pdf.signedTextCurrent' : 'exports.pdf.signedTextEarlier', {
        ...p,
        formatted: new Intl.NumberFormat(lang).format(p.count),
      }),
    auditTitle: t('exports.pdfAudit.title'),
    auditIntro: t('exports.pdfAudit.intro'),
    auditNone: t('exports.pdfAudit.none'),
    pageLine: (exportId, page, pages) => t('exports.pdf.pageLine', { exportId, page, pages }),
  };
}
