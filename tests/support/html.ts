/** Reading what a page says to machines: its meta and link tags, its entities. */

/** The content of `<meta property|name="key" content="…">` tags, in order. */
export function metaContents(html: string, key: string): string[] {
  const re = new RegExp(`<meta (?:property|name)="${key.replace(/[.:]/g, (c) => `\\${c}`)}" content="([^"]*)">`, 'g');
  return [...html.matchAll(re)].map((m) => decodeHtml(m[1]));
}

export function linkHrefs(html: string, attrs: string): string[] {
  const re = new RegExp(`<link ${attrs} href="([^"]*)"`, 'g');
  return [...html.matchAll(re)].map((m) => decodeHtml(m[1]));
}

export function decodeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
