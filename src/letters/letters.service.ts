import MarkdownIt from 'markdown-it';
import type { DataSource } from 'typeorm';
import { NotFound } from '../web/errors';
import { Letter, publicStatus, type Language } from './letter.entity';
import { LetterTranslation } from './letter-translation.entity';
import { Signature } from '../signatures/signature.entity';
import { publicName } from '../signatures/display-name';
import { verifiedCount, verifiedCounts } from '../signatures/counts.service';

// Raw HTML off: a letter body can never carry a script, whoever wrote it. Links are validated by
// markdown-it (no javascript: URLs).
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: true });

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}

export interface LetterSummary {
  slug: string;
  title: string;
  summary: string;
  language: Language;
  count: number;
  goal: number | null;
  status: Letter['status'];
}

/** Picks the version to show: the one asked for, else one the reader's languages allow, else the letter's own. */
export function chooseTranslation(
  translations: LetterTranslation[],
  defaultLanguage: Language,
  preferred: Array<Language | null | undefined>,
): LetterTranslation {
  for (const lang of preferred) {
    const found = lang && translations.find((t) => t.language === lang);
    if (found) return found;
  }
  const fallback = translations.find((t) => t.language === defaultLanguage) ?? translations[0];
  if (!fallback) throw new NotFound();
  return fallback;
}

export async function listPublicLetters(db: DataSource, preferred: Array<Language | null>): Promise<LetterSummary[]> {
  const letters = await db.getRepository(Letter).find({
    where: [{ status: 'open' }, { status: 'closed' }],
    relations: { translations: true },
    order: { createdAt: 'ASC' },
  });
  const counts = await verifiedCounts(db, letters.map((l) => l.id));
  return letters.map((l) => {
    const t = chooseTranslation(l.translations, l.defaultLanguage, preferred);
    return {
      slug: l.slug,
      title: t.title,
      summary: t.summary,
      language: t.language,
      count: counts.get(l.id) ?? 0,
      goal: l.goal,
      status: publicStatus(l),
    };
  });
}

export async function findPublicLetter(db: DataSource, slug: string): Promise<Letter> {
  const letter = await db.getRepository(Letter).findOne({ where: { slug }, relations: { translations: true } });
  if (!letter || letter.status === 'draft') throw new NotFound();
  return letter;
}

export interface PublicSignatory {
  name: string;
  organisation: string | null;
  city: string | null;
  country: string;
  confirmedAt: Date;
}

/** The newest confirmed signers who chose to be seen; organisations apart from individuals. */
export async function recentSignatories(
  db: DataSource,
  letterId: string,
  signedAs: 'individual' | 'organisation',
  limit = 20,
): Promise<PublicSignatory[]> {
  const rows = await db
    .getRepository(Signature)
    .createQueryBuilder('s')
    .select(['s.fullName', 's.visibility', 's.organisation', 's.city', 's.country', 's.confirmedAt'])
    .where(
      `s.letter_id = :letterId AND s.status = 'confirmed' AND s.held_reason IS NULL AND NOT s.hidden
       AND s.visibility <> 'private' AND s.signed_as = :signedAs`,
      {
      letterId,
      signedAs,
    })
    .orderBy('s.confirmed_at', 'DESC')
    .limit(limit)
    .getMany();
  return rows.map((s) => ({
    name: publicName(s.fullName, s.visibility) ?? '',
    organisation: s.organisation,
    city: s.visibility === 'public' ? s.city : null,
    country: s.country,
    confirmedAt: s.confirmedAt ?? new Date(0),
  }));
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
    body: t.body,
    goal: letter.goal,
    closesAt: letter.closesAt?.toISOString() ?? null,
    deliveredAt: letter.deliveredAt?.toISOString() ?? null,
    deliveredTo: letter.deliveredTo,
    signatureCount: count,
  };
}
