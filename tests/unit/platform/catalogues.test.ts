import fs from 'node:fs';
import path from 'node:path';
import { LANGUAGES } from '../../../src/platform/web/languages';

const ROOT = path.resolve(__dirname, '../../..');
const LOCALES = path.join(ROOT, 'locales');
const LANGS = LANGUAGES;
const PLURAL = /_(zero|one|two|few|many|other)$/;

type Tree = { [k: string]: string | Tree };

/** Dotted keys of a catalogue, plural suffixes stripped, with the value (or '' for non-strings). */
export function flatten(tree: Tree, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
    } else {
      out.set(key.replace(PLURAL, ''), v);
      out.set(`${key}\u0000raw`, v);
    }
  }
  return out;
}

/** Keys one catalogue has and another lacks, as "file: key (in x, missing in y)". */
export function missingKeys(files: Record<string, Tree>): string[] {
  const keys = Object.fromEntries(
    Object.entries(files).map(([lang, tree]) => [
      lang,
      new Set([...flatten(tree).keys()].filter((k) => !k.endsWith('\u0000raw'))),
    ]),
  );
  const problems: string[] = [];
  for (const [a, ka] of Object.entries(keys)) {
    for (const [b, kb] of Object.entries(keys)) {
      if (a === b) continue;
      for (const k of ka) if (!kb.has(k)) problems.push(`${k} (in ${a}, missing in ${b})`);
    }
  }
  return problems;
}

function read(lang: string, file: string): Tree {
  return JSON.parse(fs.readFileSync(path.join(LOCALES, lang, file), 'utf8')) as Tree;
}

const namespaces = fs
  .readdirSync(path.join(LOCALES, 'en'))
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('interface catalogues', () => {
  test('the comparison notices a key that only one language has', () => {
    const problems = missingKeys({
      en: { a: { b: 'x', n_one: 'one', n_other: 'many' } },
      uk: { a: { b: 'х', n_one: 'о', n_few: 'ф', n_many: 'м', n_other: 'і', extra: 'є' } },
    });
    expect(problems).toEqual(['a.extra (in uk, missing in en)']);
    expect(missingKeys({ en: { a: { b: 'x' } }, fr: { a: {} } })).toEqual(['a.b (in en, missing in fr)']);
  });

  test.each(namespaces)('%s exists in every language with the same keys', (file) => {
    const absent = LANGS.filter((lang) => !fs.existsSync(path.join(LOCALES, lang, file))).map(
      (lang) => `locales/${lang}/${file}`,
    );
    expect(absent).toEqual([]);
    const files: Record<string, Tree> = {};
    for (const lang of LANGS) files[lang] = read(lang, file);
    expect(missingKeys(files)).toEqual([]);
  });

  test.each(namespaces)('%s has no empty message in any language', (file) => {
    for (const lang of LANGS) {
      if (!fs.existsSync(path.join(LOCALES, lang, file))) continue;
      const empty = [...flatten(read(lang, file))]
        .filter(([k]) => k.endsWith('\u0000raw'))
        .filter(([, v]) => typeof v !== 'string' || !v.trim())
        .map(([k]) => `${lang}: ${k.replace('\u0000raw', '')}`);
      expect(empty).toEqual([]);
    }
  });

  test.each(['uk', 'ru'])('%s has every plural form its grammar needs for counts', (lang) => {
    const raw = [...flatten(read(lang, 'common.json')).keys()];
    for (const form of ['one', 'few', 'many', 'other']) expect(raw).toContain(`letter.signatures_${form}\u0000raw`);
  });

  test('kk has the two plural forms Kazakh counts with, and only those', () => {
    expect(new Intl.PluralRules('kk').resolvedOptions().pluralCategories.sort()).toEqual(['one', 'other']);
    const raw = [...flatten(read('kk', 'common.json')).keys()].filter((k) => k.startsWith('letter.signatures_'));
    expect(raw.sort()).toEqual(['letter.signatures_one\u0000raw', 'letter.signatures_other\u0000raw']);
  });

  test.each(namespaces)('%s keeps every {{placeholder}} of the English message', (file) => {
    const en = flatten(read('en', file));
    for (const lang of LANGS.filter((l) => l !== 'en')) {
      if (!fs.existsSync(path.join(LOCALES, lang, file))) continue;
      const other = flatten(read(lang, file));
      for (const [key, value] of en) {
        if (key.endsWith('\u0000raw') || typeof value !== 'string') continue;
        const translated = other.get(key);
        if (typeof translated !== 'string') continue;
        const names = (s: string) => [...s.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();
        expect({ key: `${lang}: ${key}`, names: names(translated) }).toEqual({
          key: `${lang}: ${key}`,
          names: names(value),
        });
      }
    }
  });
});

/*
 * Interface text belongs in the catalogues. A text node that starts with three Latin letters,
 * outside any EJS tag, is almost certainly English typed into a view.
 */
const VIEW_DIRS = ['views/partials', 'views/letters', 'views/sharing'];
const ALLOWED_TEXT: string[] = [];

function ejsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs)
    .filter((f) => f.endsWith('.ejs'))
    .map((f) => path.join(dir, f));
}

export function hardCodedText(source: string): string[] {
  const withoutEjs = source.replace(/<%[\s\S]*?%>/g, '\u0000');
  const found: string[] = [];
  for (const m of withoutEjs.matchAll(/>([^<\u0000]*[A-Za-z]{3,}[^<\u0000]*)/g)) {
    const text = m[1].trim();
    if (/[A-Za-z]{3,}/.test(text) && !ALLOWED_TEXT.includes(text)) found.push(text);
  }
  return found;
}

describe('views', () => {
  test('the check finds English typed between tags', () => {
    expect(hardCodedText('<p>Sign now</p><p><%= t("x") %></p>')).toEqual(['Sign now']);
    expect(hardCodedText('<p><%= t("x") %> — <strong><%= n %></strong></p>')).toEqual([]);
  });

  test.each(VIEW_DIRS.flatMap(ejsFiles))('%s has no interface text outside t()', (file) => {
    expect(hardCodedText(fs.readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
  });
});
