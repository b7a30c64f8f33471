import type { Language } from '../../core/letters/letter.entity';

/** One language of the letter as the update editor shows it before sending. */
export interface LanguageRow {
  language: Language;
  /** Whether the update has its own version in this language. */
  written: boolean;
  /** Signers of the segment who signed in this language. */
  signers: number;
  /** The version they get: their own, or the default language's. */
  gets: Language;
}

/**
 * The version a signer gets: the one in the language they signed in, else the update's own
 * language (the letter's default).
 */
export function versionLanguage(signerLanguage: Language, written: ReadonlySet<Language>, main: Language): Language {
  return written.has(signerLanguage) ? signerLanguage : main;
}

/**
 * Per language of the letter (its default first): written or not, how many signers, which
 * version they get. `others`: signers who signed in a language the letter does not have (they
 * get the default's version too). `missing`: languages without a version that signers use.
 */
export function languagePlan(
  letterLanguages: readonly Language[],
  main: Language,
  written: ReadonlySet<Language>,
  signersByLanguage: ReadonlyMap<Language, number>,
): { rows: LanguageRow[]; others: number; total: number; missing: LanguageRow[]; byVersion: Map<Language, number> } {
  const languages = [main, ...letterLanguages.filter((l) => l !== main)];
  const rows = languages.map((language) => ({
    language,
    written: written.has(language),
    signers: signersByLanguage.get(language) ?? 0,
    gets: versionLanguage(language, written, main),
  }));
  let others = 0;
  let total = 0;
  const byVersion = new Map<Language, number>();
  for (const [language, n] of signersByLanguage) {
    total += n;
    if (!languages.includes(language)) others += n;
    const v = versionLanguage(language, written, main);
    byVersion.set(v, (byVersion.get(v) ?? 0) + n);
  }
  return { rows, others, total, missing: rows.filter((r) => !r.written), byVersion };
}
