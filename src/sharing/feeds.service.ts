import { In, IsNull, Not, type DataSource } from 'typeorm';
import { Letter, type Language } from '../letters/letter.entity';
import { chooseTranslation, renderMarkdown } from '../letters/letters.service';
import { formatDate, type TFunction } from '../web/i18n';
import { LetterResponse } from '../updates/letter-response.entity';
import { LetterUpdate } from '../updates/letter-update.entity';
import type { AtomEntry } from './atom';

/** What every feed source needs: the database, the public address and the reader's language. */
export interface FeedContext {
  db: DataSource;
  baseUrl: string;
  lang: Language;
  t: TFunction;
}

/** One kind of news for the updates feed. Add a source to `updateSources` to add a kind of entry. */
export type UpdateSource = (fc: FeedContext) => Promise<AtomEntry[]>;

export const FEED_LIMIT = 50;

/** Open letters, newest first, each in the reader's language where a version exists. */
export async function openLetterEntries(fc: FeedContext): Promise<AtomEntry[]> {
  const letters = await fc.db.getRepository(Letter).find({
    where: { status: 'open' },
    relations: { translations: true },
    order: { createdAt: 'DESC' },
    take: FEED_LIMIT,
  });
  return letters.map((l) => {
    const v = chooseTranslation(l.translations, l.defaultLanguage, [fc.lang]);
    const url = `${fc.baseUrl}/letters/${l.slug}?lang=${v.language}`;
    return {
      // The letter's plain address: it never changes, whichever language the reader follows.
      id: `${fc.baseUrl}/letters/${l.slug}`,
      title: v.title,
      link: url,
      published: l.createdAt,
      updated: l.updatedAt,
      summary: v.summary || undefined,
      contentHtml: renderMarkdown(v.body),
      language: v.language,
    };
  });
}

/** One entry per delivered letter. */
export async function deliveryEntries(fc: FeedContext): Promise<AtomEntry[]> {
  const letters = await fc.db.getRepository(Letter).find({
    where: [
      { status: 'open', deliveredAt: Not(IsNull()) },
      { status: 'closed', deliveredAt: Not(IsNull()) },
    ],
    relations: { translations: true },
    order: { deliveredAt: 'DESC' },
    take: FEED_LIMIT,
  });
  return letters.map((l) => {
    const v = chooseTranslation(l.translations, l.defaultLanguage, [fc.lang]);
    const at = l.deliveredAt as Date;
    const date = formatDate(at, fc.lang);
    const summary = l.deliveredTo
      ? fc.t('sharing.feeds.deliveredSummary', { title: v.title, to: l.deliveredTo, date })
      : fc.t('sharing.feeds.deliveredSummaryNoRecipient', { title: v.title, date });
    return {
      id: `${fc.baseUrl}/letters/${l.slug}#delivered-${at.toISOString()}`,
      title: fc.t('sharing.feeds.delivered', { title: v.title }),
      link: `${fc.baseUrl}/letters/${l.slug}?lang=${v.language}`,
      published: at,
      updated: at,
      summary,
      contentHtml: l.deliveryNote ? renderMarkdown(l.deliveryNote) : undefined,
    };
  });
}

/** The public letters (open or closed, never drafts) among these ids, with their translations. */
async function publicLettersById(db: DataSource, ids: string[]): Promise<Map<string, Letter>> {
  if (!ids.length) return new Map();
  const letters = await db.getRepository(Letter).find({
    where: { id: In([...new Set(ids)]), status: In(['open', 'closed']) },
    relations: { translations: true },
  });
  return new Map(letters.map((l) => [l.id, l]));
}

/** The newest rows of a per-letter table whose letter is public (one query, the letters in a second). */
async function newestOfPublicLetters<T extends { letterId: string }>(db: DataSource, entity: new () => T): Promise<{ rows: T[]; letters: Map<string, Letter> }> {
  const rows = await db
    .getRepository(entity)
    .createQueryBuilder('row')
    .innerJoin(Letter, 'letter', `letter.id = row.letter_id AND letter.status IN ('open', 'closed')`)
    .orderBy('row.created_at', 'DESC')
    .limit(FEED_LIMIT)
    .getMany();
  return { rows, letters: await publicLettersById(db, rows.map((r) => r.letterId)) };
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One entry per email update an organiser sent to the signers: its subject and text, which are
 * public (any signer may forward them). Never how many people it went to, nor who wrote it.
 */
export async function emailedUpdateEntries(fc: FeedContext): Promise<AtomEntry[]> {
  const { rows, letters } = await newestOfPublicLetters(fc.db, LetterUpdate);
  return rows.flatMap((u) => {
    const letter = letters.get(u.letterId);
    if (!letter) return [];
    const v = chooseTranslation(letter.translations, letter.defaultLanguage, [fc.lang]);
    return [
      {
        id: `${fc.baseUrl}/letters/${letter.slug}#update-${u.id}`,
        title: fc.t('sharing.feeds.update', { title: v.title, subject: u.subject }),
        link: `${fc.baseUrl}/letters/${letter.slug}?lang=${v.language}`,
        published: u.createdAt,
        updated: u.createdAt,
        contentHtml: renderMarkdown(u.bodyMarkdown),
      },
    ];
  });
}

/** One entry per official response, as the letter page shows it. */
export async function officialResponseEntries(fc: FeedContext): Promise<AtomEntry[]> {
  const { rows, letters } = await newestOfPublicLetters(fc.db, LetterResponse);
  return rows.flatMap((r) => {
    const letter = letters.get(r.letterId);
    if (!letter) return [];
    const v = chooseTranslation(letter.translations, letter.defaultLanguage, [fc.lang]);
    const original = r.link ? `<p><a href="${attr(r.link)}">${attr(fc.t('updates.response.readOriginal'))}</a></p>` : '';
    return [
      {
        id: `${fc.baseUrl}/letters/${letter.slug}#response-${r.id}`,
        title: fc.t('sharing.feeds.response', { title: v.title }),
        link: `${fc.baseUrl}/letters/${letter.slug}?lang=${v.language}`,
        published: r.createdAt,
        updated: r.createdAt,
        summary: fc.t('sharing.feeds.responseSummary', { date: formatDate(new Date(`${r.respondedOn}T00:00:00Z`), fc.lang) }),
        contentHtml: renderMarkdown(r.body) + original,
      },
    ];
  });
}

export const updateSources: UpdateSource[] = [deliveryEntries, emailedUpdateEntries, officialResponseEntries];

/** Every source's entries, newest first. */
export async function updateEntries(fc: FeedContext, sources: UpdateSource[] = updateSources): Promise<AtomEntry[]> {
  const all = (await Promise.all(sources.map((s) => s(fc)))).flat();
  return all.sort((a, b) => b.updated.getTime() - a.updated.getTime()).slice(0, FEED_LIMIT);
}
