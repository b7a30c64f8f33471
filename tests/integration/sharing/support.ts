import type { DataSource } from 'typeorm';
import { Letter } from '../../../src/core/letters/letter.entity';
import { seed } from '../../../src/core/letters/seed';

export const BIRTHDAY = 'birthday-greeting-mukhtar-ablyazov';
export const FRENCH = 'letter-to-french-authorities';

/** The sample letters, as a fresh install has them (idempotent). */
export async function seededLetter(db: DataSource, slug = BIRTHDAY): Promise<Letter> {
  await seed(db);
  return db.getRepository(Letter).findOneOrFail({ where: { slug }, relations: { translations: true } });
}

/** Adds a verified count for a country the way a confirmation does (a delta row). */
export async function addCount(db: DataSource, letterId: string, country: string, n: number): Promise<void> {
  await db.query('INSERT INTO signature_count_deltas (letter_id, country, delta) VALUES ($1, $2, $3)', [
    letterId,
    country,
    n,
  ]);
}

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

/** Width and height from a PNG's IHDR chunk; throws if the bytes are not a PNG. */
export function pngSize(buf: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!buf.subarray(0, 8).equals(signature)) throw new Error('not a PNG');
  if (buf.subarray(12, 16).toString('ascii') !== 'IHDR') throw new Error('PNG without IHDR first');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

const NAME = /^[A-Za-z_][-A-Za-z0-9_.:]*/;
const BAD_AMP = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/;

/**
 * A strict XML 1.0 well-formedness check (no DTD): one root, balanced and properly nested
 * tags, quoted unique attributes, no raw "<" or stray "&" in text or attribute values.
 * Returns the elements it met, as paths, so tests can check the structure too.
 */
export function parseXml(xml: string): { elements: string[]; root: string } {
  const fail = (msg: string, at: number): never => {
    throw new Error(
      `not well-formed XML: ${msg} at ${at}: ${JSON.stringify(xml.slice(Math.max(0, at - 40), at + 40))}`,
    );
  };
  const checkText = (text: string, at: number) => {
    if (BAD_AMP.test(text)) fail('unescaped &', at);
    if (text.includes(']]>')) fail(']]> in text', at);
  };
  const stack: string[] = [];
  const elements: string[] = [];
  let root = '';
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('unterminated declaration', 0);
    i = end + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    checkText(text, i);
    if (!stack.length && text.trim()) fail('text outside the root element', i);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) fail('unterminated comment', lt);
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      if (!stack.length) fail('CDATA outside the root', lt);
      const end = xml.indexOf(']]>', lt);
      if (end < 0) fail('unterminated CDATA', lt);
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', lt)) {
      const m = NAME.exec(xml.slice(lt + 2));
      if (!m) fail('bad end tag', lt);
      const name = (m as RegExpExecArray)[0];
      let j = lt + 2 + name.length;
      while (/\s/.test(xml[j] ?? '')) j++;
      if (xml[j] !== '>') fail('bad end tag', lt);
      const open = stack.pop();
      if (open !== name) fail(`</${name}> closes <${open ?? 'nothing'}>`, lt);
      i = j + 1;
      continue;
    }
    const m = NAME.exec(xml.slice(lt + 1));
    if (!m) fail('bad start tag', lt);
    const name = (m as RegExpExecArray)[0];
    if (!stack.length) {
      if (root) fail('second root element', lt);
      root = name;
    }
    let j = lt + 1 + name.length;
    const seen = new Set<string>();
    for (;;) {
      const ws = j;
      while (/\s/.test(xml[j] ?? '')) j++;
      if (xml.startsWith('/>', j)) {
        elements.push([...stack, name].join('/'));
        j += 2;
        break;
      }
      if (xml[j] === '>') {
        elements.push([...stack, name].join('/'));
        stack.push(name);
        j += 1;
        break;
      }
      if (j === ws) fail('attributes must be separated by space', j);
      const a = NAME.exec(xml.slice(j));
      if (!a) fail('bad attribute', j);
      const attr = (a as RegExpExecArray)[0];
      if (seen.has(attr)) fail(`duplicate attribute ${attr}`, j);
      seen.add(attr);
      j += attr.length;
      if (xml[j] !== '=') fail('attribute without =', j);
      const quote = xml[j + 1];
      if (quote !== '"' && quote !== "'") fail('unquoted attribute', j);
      const end = xml.indexOf(quote, j + 2);
      if (end < 0) fail('unterminated attribute', j);
      const value = xml.slice(j + 2, end);
      if (value.includes('<')) fail('< in attribute value', j);
      checkText(value, j);
      j = end + 1;
    }
    i = j;
  }
  if (stack.length) fail(`unclosed <${stack[stack.length - 1]}>`, xml.length);
  if (!root) fail('no root element', 0);
  return { elements, root };
}
