/**
 * What crawlers read before the pages: robots.txt (where they may go) and the sitemap (every
 * language version of every public letter, with its alternates).
 */
import type { DataSource } from 'typeorm';
import { LANGUAGES, Letter } from '../../core/letters/letter.entity';
import { publicLetterSql } from '../../core/letters/review';
import { escapeXml } from '../../platform/web/svg-charts';
import { homeLanguageLinks, letterLanguageLinks, type LanguageLinks } from './letter-sharing';

/**
 * Paths no crawler has business in: organisers' pages and sign-in, every link that carries a
 * token (confirm and withdraw under /s/, unsubscribe under /u/, recipients' links under /r/),
 * the signer's own steps, the development mailbox and the monitoring endpoints.
 */
export const DISALLOWED_PATHS = [
  '/organise',
  '/login',
  '/logout',
  '/s/',
  '/u/',
  '/r/',
  '/dev/',
  '/metrics',
  '/healthz',
  '/readyz',
  '/letters/*/manage',
  '/my-signatures/',
  '/letters/*/check-email',
  '/letters/*/sign',
  // The full lists of signatories: names stay out of search engines (the pages also say noindex),
  // but for the letters whose owners chose otherwise (an Allow line each, see renderRobotsTxt).
  '/letters/*/signatories',
  // A form for readers, nothing to index.
  '/letters/*/report',
];

/** At most this many letters' lists are let in by name; past it a list stays out (the safe side). */
export const ROBOTS_MAX_INDEXABLE_LISTS = 12_000;

/**
 * The slugs of the public letters whose owners let search engines index the list of signatories
 * (`letters.signatories_noindex` turned off): every other list stays disallowed, new letters
 * included, without a line each.
 */
export async function indexableSignatoryLists(db: DataSource): Promise<string[]> {
  const rows: Array<{ slug: string }> = await db.query(
    `SELECT slug FROM letters WHERE NOT signatories_noindex AND status IN ('open', 'closed')
      ORDER BY slug LIMIT ${ROBOTS_MAX_INDEXABLE_LISTS}`,
  );
  return rows.map((r) => r.slug);
}

/**
 * The Allow lines come first and are longer than the wildcard Disallow they override, so both
 * readings of the file agree: the first match (the original rules) and the longest match
 * (Google, Bing, RFC 9309).
 */
export function renderRobotsTxt(baseUrl: string, indexableLists: readonly string[] = []): string {
  return [
    "# Open letters are public: read them, and the feeds. Accounts, organisers' pages and links",
    '# that carry a token are not for crawlers; nor are the lists of who signed, unless the',
    "# letter's owners chose to let them be indexed.",
    'User-agent: *',
    'Allow: /letters/',
    ...indexableLists.map((slug) => `Allow: /letters/${slug}/signatories`),
    ...DISALLOWED_PATHS.map((p) => `Disallow: ${p}`),
    '',
    `Sitemap: ${baseUrl}/sitemap.xml`,
    '',
  ].join('\n');
}

/** One sitemap file holds at most 50,000 URLs; four versions of this many letters stay under it. */
export const SITEMAP_MAX_LETTERS = 12_000;

interface SitemapPage {
  links: LanguageLinks;
  lastmod?: Date;
}

/** Open and closed letters (never drafts), oldest first, each with its translations. */
export function sitemapLetters(db: DataSource): Promise<Letter[]> {
  return db
    .getRepository(Letter)
    .createQueryBuilder('letter')
    .leftJoinAndSelect('letter.translations', 'translation')
    .where(publicLetterSql('letter'))
    .orderBy('letter.createdAt', 'ASC')
    .addOrderBy('translation.language', 'ASC')
    .take(SITEMAP_MAX_LETTERS)
    .getMany();
}

/**
 * A <url> per language version, each listing every version and x-default (search engines want
 * the alternates on every version, itself included), as the pages' own heads declare them.
 */
export function renderSitemap(baseUrl: string, letters: Letter[]): string {
  const pages: SitemapPage[] = LANGUAGES.map((lang) => ({ links: homeLanguageLinks(baseUrl, lang) }));
  for (const letter of letters) {
    for (const version of [...letter.translations].sort((a, b) => a.language.localeCompare(b.language))) {
      pages.push({ links: letterLanguageLinks(baseUrl, letter, version.language), lastmod: letter.updatedAt });
    }
  }
  const link = (hreflang: string, href: string) =>
    `<xhtml:link rel="alternate" hreflang="${hreflang}" href="${escapeXml(href)}"/>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ...pages.map((p) =>
      [
        '<url>',
        `<loc>${escapeXml(p.links.canonical)}</loc>`,
        p.lastmod ? `<lastmod>${p.lastmod.toISOString()}</lastmod>` : '',
        ...p.links.alternates.map((a) => link(a.lang, a.href)),
        link('x-default', p.links.xDefault),
        '</url>',
      ]
        .filter(Boolean)
        .join(''),
    ),
    '</urlset>',
    '',
  ].join('\n');
}
