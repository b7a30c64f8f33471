import crypto from 'node:crypto';
import type { Response } from 'superagent';

/** Reading the files the app answers with: raw bytes, PNG, XML, XLSX, their names. */

/** Collects a response body as raw bytes, whatever its type (supertest parses text formats otherwise). */
export function binary(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

export const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

export function fileNameOf(res: { headers: Record<string, string> }): string {
  const m = /attachment; filename="([^"]+)"/.exec(res.headers['content-disposition'] ?? '');
  if (!m) throw new Error(`no attachment file name in ${res.headers['content-disposition']}`);
  return m[1];
}

/** Opens an XLSX with exceljs (its typings predate Node's generic Buffer, hence the cast). */
export async function readXlsx(bytes: Buffer): Promise<import('exceljs').Workbook> {
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as Parameters<typeof wb.xlsx.load>[0]);
  return wb;
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
