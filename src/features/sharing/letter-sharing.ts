/**
 * What the letter page and the confirmation page need to be shared: canonical and alternate
 * addresses, Open Graph data, share links, the embed snippet and the support by country.
 * Views receive plain values; every string is escaped by EJS on output.
 */
import type { DataSource } from 'typeorm';
import { LANGUAGES, type Language, type Letter } from '../../core/letters/letter.entity';
import type { LetterTranslation } from '../../core/letters/letter-translation.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import { countsByCountry, SMALL_COUNTRY_THRESHOLD } from '../../core/letters/counts.service';
import { countryName, formatNumber, type TFunction } from '../../platform/web/i18n';
import { barChartSvg } from '../../platform/web/svg-charts';
import { countBucket, SHARE_IMAGE_HEIGHT, SHARE_IMAGE_WIDTH } from './share-image';
import { shareLinks, type ShareNetwork } from './share-links';

/** Open Graph wants language_TERRITORY; each language's most common reading territory. */
export const OG_LOCALES: Record<Language, string> = { en: 'en_GB', uk: 'uk_UA', ru: 'ru_RU', fr: 'fr_FR', kk: 'kk_KZ' };

/** The embed's size in the snippet and in oEmbed answers. */
export const EMBED_WIDTH = 420;
export const EMBED_HEIGHT = 260;
/**
 * The smallest frame the embed still works in: its stylesheet drops lines as the frame gets
 * shorter (public/sharing.css), down to the title on one line, the count and the button.
 */
export const EMBED_MIN_WIDTH = 200;
export const EMBED_MIN_HEIGHT = 100;

export interface EmbedSize {
  width: number;
  height: number;
}

/**
 * The embed's size within an oEmbed consumer's maxwidth and maxheight (which the spec says a
 * provider must respect), or null when the frame asked for is smaller than one that works.
 * Anything but a positive number means no limit.
 */
export function embedSizeWithin(maxWidth: unknown, maxHeight: unknown): EmbedSize | null {
  const limit = (raw: unknown, natural: number): number => {
    const n = typeof raw === 'string' && raw.trim() ? Number(raw) : NaN;
    return Number.isFinite(n) && n > 0 ? Math.min(natural, Math.floor(n)) : natural;
  };
  const size = { width: limit(maxWidth, EMBED_WIDTH), height: limit(maxHeight, EMBED_HEIGHT) };
  return size.width >= EMBED_MIN_WIDTH && size.height >= EMBED_MIN_HEIGHT ? size : null;
}

export const TOP_COUNTRIES = 10;

export function letterUrl(baseUrl: string, slug: string, lang?: Language): string {
  return `${baseUrl}/letters/${slug}${lang ? `?lang=${lang}` : ''}`;
}

/** The language a reader who states none gets (src/platform/web/locale.ts): the home page's x-default. */
export const SITE_DEFAULT_LANGUAGE: Language = 'en';

export function homeUrl(baseUrl: string, lang: Language): string {
  return `${baseUrl}/?lang=${lang}`;
}

/**
 * A page's canonical address and its language versions for search engines. Each version's
 * address is the one that version declares canonical (with ?lang=, since the bare address
 * follows the reader's language), and x-default is one of them: the default version's.
 */
export interface LanguageLinks {
  canonical: string;
  alternates: Array<{ lang: Language; href: string }>;
  xDefault: string;
}

export function languageLinks(
  urlFor: (lang: Language) => string,
  versions: readonly Language[],
  current: Language,
  fallback: Language,
): LanguageLinks {
  return {
    canonical: urlFor(current),
    alternates: versions.map((l) => ({ lang: l, href: urlFor(l) })),
    xDefault: urlFor(fallback),
  };
}

/** A letter's versions, sorted; x-default is the version shown to a reader whose language it lacks. */
export function letterLanguageLinks(baseUrl: string, letter: Letter, current: Language): LanguageLinks {
  const versions = letter.translations.map((x) => x.language).sort();
  const fallback = chooseTranslation(letter.translations, letter.defaultLanguage, []).language;
  return languageLinks((l) => letterUrl(baseUrl, letter.slug, l), versions, current, fallback);
}

export function homeLanguageLinks(baseUrl: string, current: Language): LanguageLinks {
  return languageLinks((l) => homeUrl(baseUrl, l), LANGUAGES, current, SITE_DEFAULT_LANGUAGE);
}

export function embedUrl(baseUrl: string, slug: string, lang: Language): string {
  return `${baseUrl}/letters/${slug}/embed?lang=${lang}`;
}

const attr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The HTML another site pastes (shown as text on our page, returned as-is by oEmbed). */
export function embedSnippet(
  baseUrl: string,
  slug: string,
  lang: Language,
  frameTitle: string,
  size: EmbedSize = { width: EMBED_WIDTH, height: EMBED_HEIGHT },
): string {
  return (
    `<iframe src="${attr(embedUrl(baseUrl, slug, lang))}" width="${size.width}" height="${size.height}" ` +
    `title="${attr(frameTitle)}" loading="lazy"></iframe>`
  );
}

export interface ShareBlock {
  url: string;
  text: string;
  links: Array<{ network: ShareNetwork; href: string }>;
  qrSvg: string;
  qrPng: string;
}

/** Share links and the QR links for one version of a letter; `text` is the pre-written message. */
export function shareBlock(baseUrl: string, slug: string, lang: Language, title: string, text: string): ShareBlock {
  const url = letterUrl(baseUrl, slug, lang);
  return {
    url,
    text,
    links: shareLinks({ url, text, title }),
    qrSvg: `/letters/${slug}/qr.svg?lang=${lang}`,
    qrPng: `/letters/${slug}/qr.png?lang=${lang}`,
  };
}

export interface CountryRow {
  code: string | null;
  name: string;
  /** Null for "fewer than 5" (SMALL_COUNTRY_THRESHOLD). */
  count: number | null;
  formatted: string;
}

/**
 * Top countries and the rest summed into one row, named in the reader's language, with a bar chart.
 * A country (or the rest) below SMALL_COUNTRY_THRESHOLD reads "fewer than 5" and has no bar.
 */
export async function supportByCountry(db: DataSource, letterId: string, lang: Language, t: TFunction) {
  const all = await countsByCountry(db, letterId);
  const fmt = (n: number) => formatNumber(n, lang);
  const shown = (n: number) => (n < SMALL_COUNTRY_THRESHOLD ? t('sharing.countries.fewer') : fmt(n));
  const exact: Array<CountryRow & { count: number }> = all
    .slice(0, TOP_COUNTRIES)
    .map((r) => ({ code: r.country, name: countryName(r.country, lang), count: r.count, formatted: shown(r.count) }));
  const rest = all.slice(TOP_COUNTRIES).reduce((sum, r) => sum + r.count, 0);
  if (rest > 0) exact.push({ code: null, name: t('sharing.countries.others'), count: rest, formatted: shown(rest) });
  const charted = exact.filter((r) => r.count >= SMALL_COUNTRY_THRESHOLD);
  const chart = charted.length
    ? barChartSvg({
        title: t('sharing.countries.chartTitle'),
        rows: charted.map((r) => ({ label: r.name, value: r.count })),
        maxRows: TOP_COUNTRIES + 1,
        formatNumber: fmt,
        idPrefix: 'countries-chart',
      })
    : '';
  // The exact figures stay here: the page gets what it shows.
  const rows: CountryRow[] = exact.map((r) => ({ ...r, count: r.count < SMALL_COUNTRY_THRESHOLD ? null : r.count }));
  return { rows, chart };
}

export interface LetterSharing extends LanguageLinks {
  /** The title link previews show: the version's short title when it has one. */
  cardTitle: string;
  ogLocale: string;
  ogLocaleAlternates: string[];
  siteName: string;
  image: { url: string; width: number; height: number; alt: string };
  oembedUrl: string;
  share: ShareBlock;
  embed: { snippet: string };
  countries: Awaited<ReturnType<typeof supportByCountry>>;
}

/**
 * Everything the letter page shows or declares for sharing. `t` is the interface language's,
 * `versionT` the letter version's (the card and the image speak the version's language).
 */
export async function letterSharing(
  db: DataSource,
  baseUrl: string,
  letter: Letter,
  version: LetterTranslation,
  count: number,
  ui: { lang: Language; t: TFunction; versionT: TFunction },
): Promise<LetterSharing> {
  const lang = version.language;
  const links = letterLanguageLinks(baseUrl, letter, lang);
  const versions = links.alternates.map((a) => a.lang);
  const canonical = links.canonical;
  const imageCount = ui.versionT('sharing.image.signatures', { count, formatted: formatNumber(count, lang) });
  return {
    ...links,
    cardTitle: version.shortTitle ?? version.title,
    ogLocale: OG_LOCALES[lang],
    ogLocaleAlternates: versions.filter((l) => l !== lang).map((l) => OG_LOCALES[l]),
    siteName: ui.versionT('site.name'),
    image: {
      // The bucket changes the address when the image would change, so networks that cache
      // images by address for days still pick up a growing count.
      url: `${baseUrl}/letters/${letter.slug}/share.png?lang=${lang}&v=${countBucket(count)}`,
      width: SHARE_IMAGE_WIDTH,
      height: SHARE_IMAGE_HEIGHT,
      alt: ui.versionT('sharing.meta.imageAlt', { title: version.title, count: imageCount }),
    },
    oembedUrl: `${baseUrl}/oembed?url=${encodeURIComponent(canonical)}&format=json`,
    share: shareBlock(
      baseUrl,
      letter.slug,
      lang,
      version.title,
      ui.t('sharing.share.message', { title: version.title }),
    ),
    embed: {
      snippet: embedSnippet(
        baseUrl,
        letter.slug,
        lang,
        ui.versionT('sharing.embed.frameTitle', { title: version.title }),
      ),
    },
    countries: await supportByCountry(db, letter.id, ui.lang, ui.t),
  };
}
