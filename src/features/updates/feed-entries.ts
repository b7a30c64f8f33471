import { In, type DataSource } from 'typeorm';
import { Letter } from '../../core/letters/letter.entity';
import { PUBLIC_REVIEW_STATES, publicLetterSql } from '../../core/letters/review';
import { chooseTranslation, renderMarkdown } from '../../core/letters/letters.service';
import { FEED_LIMIT, type AtomEntry, type FeedContext, type UpdateSource } from '../sharing';
import { formatDate } from '../../platform/web/i18n';
import { LetterResponse } from './letter-response.entity';
import { LetterUpdate } from './letter-update.entity';
import { responseBodyHtml } from './updates.service';

/** The public letters (open or closed, never drafts) among these ids, with their translations. */
async function publicLettersById(db: DataSource, ids: string[]): Promise<Map<string, Letter>> {
  if (!ids.length) return new Map();
  const letters = await db.getRepository(Letter).find({
    where: { id: In([...new Set(ids)]), status: In(['open', 'closed']), reviewState: In([...PUBLIC_REVIEW_STATES]) },
    relations: { translations: true },
  });
  return new Map(letters.map((l) => [l.id, l]));
}

/** The newest rows of a per-letter table whose letter is public (one query, the letters in a second). */
async function newestOfPublicLetters<T extends { letterId: string }>(
  db: DataSource,
  entity: new () => T,
  opts: { where?: string; orderBy?: string } = {},
): Promise<{ rows: T[]; letters: Map<string, Letter> }> {
  const rows = await db
    .getRepository(entity)
    .createQueryBuilder('row')
    .innerJoin(Letter, 'letter', `letter.id = row.letter_id AND ${publicLetterSql('letter')}`)
    .where(opts.where ?? 'true')
    .orderBy(opts.orderBy ?? 'row.created_at', 'DESC')
    .limit(FEED_LIMIT)
    .getMany();
  return {
    rows,
    letters: await publicLettersById(
      db,
      rows.map((r) => r.letterId),
    ),
  };
}

const attr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One entry per email update an organiser sent to the signers: its subject and text in the
 * letter's default language, which are public (any signer may forward them). Never how many people it went to, nor who wrote it.
 */
export async function emailedUpdateEntries(fc: FeedContext): Promise<AtomEntry[]> {
  // Never one still waiting for its time, nor one cancelled before it went. An update sent at
  // once went when it was written; a scheduled one at its time.
  const { rows, letters } = await newestOfPublicLetters(fc.db, LetterUpdate, {
    where: 'row.cancelled_at IS NULL AND (row.send_at <= now() OR row.send_at <= row.created_at)',
    orderBy: 'greatest(row.send_at, row.created_at)',
  });
  return rows.flatMap((u) => {
    const letter = letters.get(u.letterId);
    if (!letter) return [];
    const v = chooseTranslation(letter.translations, letter.defaultLanguage, [fc.lang]);
    return [
      {
        id: `${fc.baseUrl}/letters/${letter.slug}#update-${u.id}`,
        title: fc.t('sharing.feeds.update', { title: v.title, subject: u.subject }),
        link: `${fc.baseUrl}/letters/${letter.slug}?lang=${v.language}`,
        published: u.sendAt > u.createdAt ? u.sendAt : u.createdAt,
        updated: u.sendAt > u.createdAt ? u.sendAt : u.createdAt,
        contentHtml: renderMarkdown(u.bodyMarkdown),
      },
    ];
  });
}

/** One entry per published official response, as the letter page shows it, dated when it became public. */
export async function officialResponseEntries(fc: FeedContext): Promise<AtomEntry[]> {
  const { rows, letters } = await newestOfPublicLetters(fc.db, LetterResponse, {
    where: `row.status = 'published'`,
    orderBy: 'row.published_at',
  });
  return rows.flatMap((r) => {
    const letter = letters.get(r.letterId);
    if (!letter) return [];
    const v = chooseTranslation(letter.translations, letter.defaultLanguage, [fc.lang]);
    const original = r.link
      ? `<p><a href="${attr(r.link)}">${attr(fc.t('updates.response.readOriginal'))}</a></p>`
      : '';
    return [
      {
        id: `${fc.baseUrl}/letters/${letter.slug}#response-${r.id}`,
        title: r.title
          ? `${fc.t('sharing.feeds.response', { title: v.title })}: ${r.title}`
          : fc.t('sharing.feeds.response', { title: v.title }),
        link: `${fc.baseUrl}/letters/${letter.slug}?lang=${v.language}`,
        published: r.publishedAt ?? r.createdAt,
        updated: r.publishedAt ?? r.createdAt,
        summary: fc.t('sharing.feeds.responseSummary', {
          date: formatDate(new Date(`${r.respondedOn}T00:00:00Z`), fc.lang),
        }),
        contentHtml: responseBodyHtml(r) + original,
      },
    ];
  });
}

/** This feature's entries in the site's updates feed (src/features/sharing/feeds.service.ts). */
export const updatesFeedSources: UpdateSource[] = [emailedUpdateEntries, officialResponseEntries];
