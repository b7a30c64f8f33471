import MarkdownIt from 'markdown-it';
import type { DataSource, EntityManager } from 'typeorm';
import { NotFound } from '../../platform/web/errors';
import { MicroCache } from '../../platform/web/micro-cache';
import { Letter, publicStatus, type Language } from './letter.entity';
import { LetterTranslation } from './letter-translation.entity';
import { verifiedCount } from './counts.service';
import { isPubliclyVisible } from './review';

// Raw HTML off: a letter body can never carry a script, whoever wrote it. Links are validated by
// markdown-it (no javascript: URLs).
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: true });

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}

/**
 * The one translation chooser: the version asked for, else one the reader's languages allow, else
 * the letter's own, else any. Undefined only for a letter with no version at all (a draft being
 * written); pages for readers use chooseTranslation, which answers 404 then.
 */
export function findTranslation(
  translations: LetterTranslation[],
  defaultLanguage: Language,
  preferred: Array<Language | null | undefined>,
): LetterTranslation | undefined {
  for (const lang of preferred) {
    const found = lang && translations.find((t) => t.language === lang);
    if (found) return found;
  }
  return translations.find((t) => t.language === defaultLanguage) ?? translations[0];
}

/** Picks the version to show a reader (see findTranslation); a letter with none is not found. */
export function chooseTranslation(
  translations: LetterTranslation[],
  defaultLanguage: Language,
  preferred: Array<Language | null | undefined>,
): LetterTranslation {
  const chosen = findTranslation(translations, defaultLanguage, preferred);
  if (!chosen) throw new NotFound();
  return chosen;
}

/** A letter with its translations in one query (findOne with relations costs two: a DISTINCT id query, then the join). */
function letterWithTranslations(
  db: DataSource | EntityManager,
  where: { slug: string } | { id: string },
): Promise<Letter | null> {
  const [column, value] = 'slug' in where ? ['slug', where.slug] : ['id', where.id];
  return db
    .getRepository(Letter)
    .createQueryBuilder('letter')
    .leftJoinAndSelect('letter.translations', 'translation')
    .where(`letter.${column} = :value`, { value })
    .getOne();
}

/** The one letter loader by slug: any status, with its translations (organisers' pages, the CLI). */
export function findLetterBySlug(db: DataSource | EntityManager, slug: string): Promise<Letter | null> {
  return letterWithTranslations(db, { slug });
}

/** A letter the public may see (isPubliclyVisible: open or closed, and reviewed), else 404. */
export async function findPublicLetter(db: DataSource, slug: string): Promise<Letter> {
  const letter = await letterWithTranslations(db, { slug });
  if (!letter || !isPubliclyVisible(letter)) throw new NotFound();
  return letter;
}

/** Any letter by id, with its translations; for pages reached from a signer's emailed link. */
export async function findLetterById(db: DataSource, id: string): Promise<Letter> {
  const letter = await letterWithTranslations(db, { id });
  if (!letter) throw new NotFound();
  return letter;
}

/**
 * A letter by id, kept per process for two seconds, for what is read about one letter hundreds of
 * times a second on a viral day: the emails about its signatures (the worker) and the pages the
 * emailed links open (confirming, withdrawing), which show its title. An edit reaches them within
 * those two seconds.
 */
const recentLetters = new MicroCache<Letter>(2_000);

export function findRecentLetter(db: DataSource, id: string): Promise<Letter> {
  return recentLetters.get(id, () => findLetterById(db, id));
}

/**
 * The letter a signature is POSTed to, kept per process for a couple of seconds: on a viral day
 * every signature would otherwise read the same letter again. Staleness is harmless here: the
 * statement that inserts the signature checks again, in the same statement, that the letter is
 * open (src/features/signatures/sign-letter.ts), and an edit made in this process is seen at once.
 */
const signable = new MicroCache<Letter>(2_000);

export function findSignableLetter(db: DataSource, slug: string): Promise<Letter> {
  return signable.get(slug, () => findPublicLetter(db, slug));
}

/** Forgets a letter's cached copies after an edit in this process (by id, and by old and new slug). */
export function forgetCachedLetter(id: string, ...slugs: string[]): void {
  recentLetters.forget(id);
  for (const slug of slugs) signable.forget(slug);
}

export async function letterPublicData(db: DataSource, letter: Letter, t: LetterTranslation, baseUrl: string) {
  const count = await verifiedCount(db, letter.id);
  return {
    slug: letter.slug,
    url: `${baseUrl}/letters/${letter.slug}`,
    status: publicStatus(letter),
    language: t.language,
    languages: letter.translations.map((x) => x.language).sort(),
    title: t.title,
    summary: t.summary,
    recipient: t.recipient,
    /** Who started the letter, as they chose to be shown (null for letters made before it was asked). */
    author: letter.authorName ? { name: letter.authorName, kind: letter.authorKind } : null,
    body: t.body,
    goal: letter.goal,
    closesAt: letter.closesAt?.toISOString() ?? null,
    deliveredAt: letter.deliveredAt?.toISOString() ?? null,
    deliveredTo: letter.deliveredTo,
    signatureCount: count,
    /** The number of the text shown, and when it was published (see LetterTranslation.textVersion). */
    textVersion: t.textVersion,
    textChangedAt: t.textVersion > 1 ? t.textVersionAt.toISOString() : null,
  };
}
