/**
 * Atom 1.0 (RFC 4287) documents from plain data. Everything that comes from letters or
 * organisers is escaped here, in one place, so a title with "<" or "&" can never break a feed.
 */
import { escapeXml } from '../../platform/web/svg-charts';

export interface AtomEntry {
  /** A permanent IRI: never changes once published, or readers show the entry again. */
  id: string;
  title: string;
  /** The page the entry is about. */
  link: string;
  updated: Date;
  published?: Date;
  summary?: string;
  /** HTML, sent as escaped text (type="html"). */
  contentHtml?: string;
  /** BCP 47 tag of the entry's text when it differs from the feed's. */
  language?: string;
}

export interface AtomFeed {
  id: string;
  title: string;
  subtitle?: string;
  /** The feed's own address (rel="self"). */
  selfUrl: string;
  /** The HTML page the feed mirrors (rel="alternate"). */
  alternateUrl: string;
  language: string;
  authorName: string;
  entries: AtomEntry[];
}

const iso = (d: Date): string => d.toISOString();

function entryXml(e: AtomEntry): string {
  const lang = e.language ? ` xml:lang="${escapeXml(e.language)}"` : '';
  return [
    `<entry${lang}>`,
    `<id>${escapeXml(e.id)}</id>`,
    `<title type="text">${escapeXml(e.title)}</title>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(e.link)}"/>`,
    e.published ? `<published>${iso(e.published)}</published>` : '',
    `<updated>${iso(e.updated)}</updated>`,
    e.summary ? `<summary type="text">${escapeXml(e.summary)}</summary>` : '',
    e.contentHtml ? `<content type="html">${escapeXml(e.contentHtml)}</content>` : '',
    `</entry>`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The feed's `updated` is its newest entry's; an empty feed says when it was asked for. */
export function renderAtomFeed(feed: AtomFeed, now: Date = new Date()): string {
  const newest = feed.entries.reduce<Date | null>((max, e) => (!max || e.updated > max ? e.updated : max), null);
  return [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(feed.language)}">`,
    `<id>${escapeXml(feed.id)}</id>`,
    `<title type="text">${escapeXml(feed.title)}</title>`,
    feed.subtitle ? `<subtitle type="text">${escapeXml(feed.subtitle)}</subtitle>` : '',
    `<link rel="self" type="application/atom+xml" href="${escapeXml(feed.selfUrl)}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(feed.alternateUrl)}"/>`,
    `<updated>${iso(newest ?? now)}</updated>`,
    `<author><name>${escapeXml(feed.authorName)}</name></author>`,
    ...feed.entries.map(entryXml),
    `</feed>`,
    '',
  ]
    .filter((line, i, all) => line !== '' || i === all.length - 1)
    .join('\n');
}
