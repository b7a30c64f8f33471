import fs from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';
import countries from 'i18n-iso-countries';
import { LANGUAGES, type Language } from './languages';
import { projectPath } from '../paths';

export type { TFunction };
export const LOCALES_DIR = projectPath('locales');

const i18n = i18next.createInstance();
let ready: Promise<unknown> | null = null;

type Catalogue = { [key: string]: string | Catalogue };

function merge(into: Catalogue, from: Catalogue): Catalogue {
  for (const [k, v] of Object.entries(from)) {
    const existing = into[k];
    into[k] = typeof v === 'object' && typeof existing === 'object' ? merge(existing, v) : v;
  }
  return into;
}

/**
 * Interface messages: every JSON file in locales/<lang>/ (one per feature, so features grow
 * their own catalogues), merged into one tree. Loaded once, synchronously, at start-up.
 */
export function loadCatalogue(lng: Language): Catalogue {
  const dir = path.join(LOCALES_DIR, lng);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .reduce<Catalogue>((acc, f) => merge(acc, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Catalogue), {});
}

export function initI18n(): Promise<unknown> {
  if (ready) return ready;
  const resources: Record<string, { translation: Catalogue }> = {};
  for (const lng of LANGUAGES) {
    resources[lng] = { translation: loadCatalogue(lng) };
    countries.registerLocale(
      JSON.parse(
        fs.readFileSync(require.resolve(`i18n-iso-countries/langs/${lng}.json`), 'utf8'),
      ) as countries.LocaleData,
    );
  }
  ready = i18n.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    interpolation: { escapeValue: false }, // EJS escapes on output
    initAsync: false,
  });
  return ready;
}

const translators = new Map<Language, TFunction>();

/**
 * The translation function of one language, made once per language. i18next's own `getFixedT`
 * copies every init option into a new object on each call, which was 7% of the CPU of rendering
 * a page with some sixty messages; this passes the language straight to `t` instead (an explicit
 * `lng` in a call's options still wins, as the language links use it).
 */
export function tFor(lang: Language): TFunction {
  let t = translators.get(lang);
  if (!t) {
    // A message asked for by its key alone is the same string every time: looked up once per
    // language (i18next resolves the key, its fallbacks and nesting on every call, a few
    // microseconds each, dozens of times per page). Only messages found are kept, so the map is
    // never larger than the catalogue whatever keys are asked for; a call with options (a count,
    // a name) is not kept.
    const plain = new Map<string, string>();
    t = ((key: string | string[], opts?: Record<string, unknown>) => {
      if (opts === undefined && typeof key === 'string') {
        const known = plain.get(key);
        if (known !== undefined) return known;
        const text = i18n.t(key, { lng: lang });
        if (i18n.isInitialized && typeof text === 'string' && text !== key) plain.set(key, text);
        return text;
      }
      return i18n.t(key, { lng: lang, ...opts });
    }) as unknown as TFunction;
    translators.set(lang, t);
  }
  return t;
}

export function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

/** Picks the best supported language from an Accept-Language header. */
export function fromAcceptLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const base = tag.split('-')[0];
    if (isLanguage(base)) return base;
  }
  return null;
}

export interface CountryOption {
  code: string;
  name: string;
}

const countryCache = new Map<Language, CountryOption[]>();

/** ISO 3166 countries, named and sorted in the reader's language. */
export function countryOptions(lang: Language): CountryOption[] {
  let list = countryCache.get(lang);
  if (!list) {
    const names = countries.getNames(lang, { select: 'official' });
    const collator = new Intl.Collator(lang);
    list = Object.entries(names)
      .map(([code, name]) => ({ code, name }))
      .sort((a, b) => collator.compare(a.name, b.name));
    countryCache.set(lang, list);
  }
  return list;
}

export function countryName(code: string, lang: Language): string {
  return countries.getName(code, lang, { select: 'official' }) ?? code;
}

/** Every ISO 3166 alpha-2 code the catalogue knows. */
export function allCountryCodes(): string[] {
  return Object.keys(countries.getAlpha2Codes());
}

export function isCountryCode(code: string): boolean {
  return countries.isValid(code) && code.length === 2;
}

// Making an Intl formatter costs far more than using one: one per language, made once.
const numberFormats = new Map<Language, Intl.NumberFormat>();
const dateFormats = new Map<Language, Intl.DateTimeFormat>();

export function formatNumber(n: number, lang: Language): string {
  let f = numberFormats.get(lang);
  if (!f) numberFormats.set(lang, (f = new Intl.NumberFormat(lang)));
  return f.format(n);
}

export function formatDate(d: Date, lang: Language): string {
  let f = dateFormats.get(lang);
  if (!f) dateFormats.set(lang, (f = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' })));
  return f.format(d);
}
