import type { DataSource, EntityManager } from 'typeorm';
import { NotFound } from '../../platform/web/errors';
import type { Language, Letter } from './letter.entity';
import { LetterTextVersion } from './letter-text-version.entity';

/** One version of a translation's text: the current one (from the translation) or an earlier one. */
export interface TextVersion {
  language: Language;
  version: number;
  title: string;
  body: string;
  publishedAt: Date;
  /** Null for the current text. */
  replacedAt: Date | null;
  current: boolean;
}

/** Every version of a letter's text in one language, oldest first; empty when the letter never had that language. */
export async function listTextVersions(
  db: DataSource | EntityManager,
  letter: Letter,
  language: Language,
): Promise<TextVersion[]> {
  const earlier = await db
    .getRepository(LetterTextVersion)
    .find({ where: { letterId: letter.id, language }, order: { version: 'ASC' } });
  const list: TextVersion[] = earlier.map((v) => ({
    language,
    version: v.version,
    title: v.title,
    body: v.body,
    publishedAt: v.publishedAt,
    replacedAt: v.replacedAt,
    current: false,
  }));
  const t = letter.translations.find((x) => x.language === language);
  if (t)
    list.push({
      language,
      version: t.textVersion,
      title: t.title,
      body: t.body,
      publishedAt: t.textVersionAt,
      replacedAt: null,
      current: true,
    });
  return list;
}

/** A version without its text: what a list of versions shows. */
export type TextVersionHead = Omit<TextVersion, 'body'>;

/**
 * Every version of a letter's text in one language without the texts, oldest first: a page that
 * lists 20 versions of 100,000 characters reads their titles and dates, not 2 MB of text.
 */
export async function listTextVersionHeads(
  db: DataSource | EntityManager,
  letter: Letter,
  language: Language,
): Promise<TextVersionHead[]> {
  const earlier = await db.getRepository(LetterTextVersion).find({
    select: { version: true, title: true, publishedAt: true, replacedAt: true },
    where: { letterId: letter.id, language },
    order: { version: 'ASC' },
  });
  const list: TextVersionHead[] = earlier.map((v) => ({
    language,
    version: v.version,
    title: v.title,
    publishedAt: v.publishedAt,
    replacedAt: v.replacedAt,
    current: false,
  }));
  const t = letter.translations.find((x) => x.language === language);
  if (t)
    list.push({
      language,
      version: t.textVersion,
      title: t.title,
      publishedAt: t.textVersionAt,
      replacedAt: null,
      current: true,
    });
  return list;
}

/** The text of one listed version (the current one is on the letter already). */
export async function withText(
  db: DataSource | EntityManager,
  letter: Letter,
  head: TextVersionHead,
): Promise<TextVersion> {
  if (head.current) {
    const t = letter.translations.find((x) => x.language === head.language);
    if (t) return { ...head, body: t.body };
  }
  const row = await db.getRepository(LetterTextVersion).findOne({
    select: { body: true },
    where: { letterId: letter.id, language: head.language, version: head.version },
  });
  if (!row) throw new NotFound();
  return { ...head, body: row.body };
}

/** One version, or 404. */
export async function findTextVersion(
  db: DataSource | EntityManager,
  letter: Letter,
  language: Language,
  version: number,
): Promise<TextVersion> {
  const found = (await listTextVersions(db, letter, language)).find((v) => v.version === version);
  if (!found) throw new NotFound();
  return found;
}

/**
 * The text a signature records: the language and version shown on the page it was signed from,
 * when that page showed a real version of this letter (an earlier one too: the page was open while
 * the text changed); anything else is the text the letter shows now in `fallback`'s language.
 * Only the letter's current numbers are known here (no query), so an earlier version is taken on
 * the form's word when it is between 1 and the current number: versions are numbered without gaps.
 */
export interface SignedText {
  language: Language;
  version: number;
}

export function signedText(
  letter: Letter,
  shown: { language?: string | null; version?: number | null },
  fallback: Language,
): SignedText {
  const t = letter.translations.find((x) => x.language === shown.language);
  const v = shown.version;
  if (t && typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= t.textVersion)
    return { language: t.language, version: v };
  const current = letter.translations.find((x) => x.language === fallback) ?? letter.translations[0];
  return { language: current?.language ?? fallback, version: current?.textVersion ?? 1 };
}

/**
 * A part of a word-level diff (jsdiff's diffWords), as a page shows it with <del> and <ins>. The
 * diffs are computed by the versions feature's job, in a thread, and stored (never on a request).
 */
export type DiffPart = { kind: 'same' | 'added' | 'removed'; text: string };

/** How many words a diff adds and removes (for the summary line above it). */
export function diffStats(parts: DiffPart[]): { added: number; removed: number } {
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
  let added = 0;
  let removed = 0;
  for (const p of parts) {
    if (p.kind === 'added') added += words(p.text);
    if (p.kind === 'removed') removed += words(p.text);
  }
  return { added, removed };
}
