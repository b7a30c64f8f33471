import { In, IsNull, Not, type DataSource } from 'typeorm';
import { PUBLIC_REVIEW_STATES } from '../../core/letters/review';
import { Letter, type Language } from '../../core/letters/letter.entity';
import { chooseTranslation, renderMarkdown } from '../../core/letters/letters.service';
import { formatDate, type TFunction } from '../../platform/web/i18n';
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
    where: { status: 'open', reviewState: In([...PUBLIC_REVIEW_STATES]) },
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
      { status: 'open', deliveredAt: Not(IsNull()), reviewState: In([...PUBLIC_REVIEW_STATES]) },
      { status: 'closed', deliveredAt: Not(IsNull()), reviewState: In([...PUBLIC_REVIEW_STATES]) },
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

/**
 * The sources the updates feed has without other features: deliveries. The composition adds the
 * updates feature's own (emailed updates, official responses) when it mounts the router.
 */
export const sharingUpdateSources: UpdateSource[] = [deliveryEntries];

/** Every source's entries, newest first. */
export async function updateEntries(fc: FeedContext, sources: UpdateSource[]): Promise<AtomEntry[]> {
  const all = (await Promise.all(sources.map((s) => s(fc)))).flat();
  return all.sort((a, b) => b.updated.getTime() - a.updated.getTime()).slice(0, FEED_LIMIT);
}
