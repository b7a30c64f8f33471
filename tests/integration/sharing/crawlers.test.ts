import { XMLParser, XMLValidator } from 'fast-xml-parser';
import robotsParser from 'robots-parser';
import request from 'supertest';
import { aLetter, BIRTHDAY, FRENCH, seededLetter } from '../../support/factories';
import { startTestApp, useTestApp } from '../../support/test-app';
import { Letter } from '../../../src/core/letters/letter.entity';
import { linkHrefs } from '../../support/html';
import { pngSize } from '../../support/files';

const BASE = 'http://undersigned.test';
const t = useTestApp({}, { worker: false });

function text(res: request.Response): string {
  return Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.text;
}

async function get(path: string, host = t) {
  return request(host.app)
    .get(path)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
}

describe('robots.txt', () => {
  test('lets crawlers read the letters, keeps them out of accounts and token links, and names the sitemap', async () => {
    const res = await get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const robots = robotsParser(`${BASE}/robots.txt`, text(res));
    const bot = 'Googlebot';
    for (const allowed of [
      '/',
      `/letters/${BIRTHDAY}`,
      `/letters/${BIRTHDAY}?lang=uk`,
      '/feeds/letters.atom',
      '/verify',
    ]) {
      expect([allowed, robots.isAllowed(`${BASE}${allowed}`, bot)]).toEqual([allowed, true]);
    }
    for (const refused of [
      '/organise',
      '/organise/letters/x/edit',
      '/login',
      '/login/abcdefabcdefabcdefabcdefabcdef',
      '/s/confirm/abcdefabcdefabcdefabcdef',
      '/s/withdraw/abcdefabcdefabcdefabcdef',
      '/u/abcdefabcdefabcdefabcdef',
      '/r/abcdefabcdefabcdefabcdef',
      '/dev/mailbox',
      '/metrics',
      `/letters/${BIRTHDAY}/manage`,
      `/letters/${BIRTHDAY}/check-email`,
    ]) {
      expect([refused, robots.isAllowed(`${BASE}${refused}`, bot)]).toEqual([refused, false]);
    }
    expect(robots.getSitemaps()).toEqual([`${BASE}/sitemap.xml`]);
  });
});

interface SitemapUrl {
  loc: string;
  lastmod?: string;
  'xhtml:link'?: Array<{ '@_rel': string; '@_hreflang': string; '@_href': string }>;
}

async function sitemap(): Promise<SitemapUrl[]> {
  const res = await get('/sitemap.xml');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
  const xml = text(res);
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'url' || name === 'xhtml:link',
  }).parse(xml) as {
    urlset: { '@_xmlns': string; '@_xmlns:xhtml': string; url?: SitemapUrl[] };
  };
  expect(doc.urlset['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
  expect(doc.urlset['@_xmlns:xhtml']).toBe('http://www.w3.org/1999/xhtml');
  return doc.urlset.url ?? [];
}

describe('sitemap.xml', () => {
  test('lists every language version of the open and closed letters with their alternates, and no draft', async () => {
    const birthday = await seededLetter(t.db, BIRTHDAY);
    await seededLetter(t.db, FRENCH);
    const closed = await aLetter(t.db, { status: 'closed', title: 'A closed letter' });
    const draft = await aLetter(t.db, { status: 'draft', title: 'A draft' });
    const urls = await sitemap();
    const locs = urls.map((u) => u.loc);
    expect(new Set(locs).size).toBe(locs.length);

    for (const lang of ['en', 'uk', 'ru']) expect(locs).toContain(`${BASE}/letters/${BIRTHDAY}?lang=${lang}`);
    expect(locs).toContain(`${BASE}/letters/${FRENCH}?lang=fr`);
    expect(locs).toContain(`${BASE}/letters/${closed.slug}?lang=en`);
    expect(locs.some((l) => l.includes(draft.slug))).toBe(false);
    for (const lang of ['en', 'uk', 'ru', 'fr']) expect(locs).toContain(`${BASE}/?lang=${lang}`);

    const uk = urls.find((u) => u.loc === `${BASE}/letters/${BIRTHDAY}?lang=uk`) as SitemapUrl;
    expect(uk.lastmod).toBe(birthday.updatedAt.toISOString());
    expect(uk['xhtml:link']?.map((l) => [l['@_rel'], l['@_hreflang'], l['@_href']])).toEqual([
      ['alternate', 'en', `${BASE}/letters/${BIRTHDAY}?lang=en`],
      ['alternate', 'ru', `${BASE}/letters/${BIRTHDAY}?lang=ru`],
      ['alternate', 'uk', `${BASE}/letters/${BIRTHDAY}?lang=uk`],
      ['alternate', 'x-default', `${BASE}/letters/${BIRTHDAY}?lang=en`],
    ]);
  });

  test('every URL lists itself among its alternates, every alternate is itself listed, and each page names that URL canonical', async () => {
    await seededLetter(t.db, BIRTHDAY);
    await seededLetter(t.db, FRENCH);
    const urls = await sitemap();
    const locs = new Set(urls.map((u) => u.loc));
    for (const u of urls) {
      const links = u['xhtml:link'] ?? [];
      expect(links.map((l) => l['@_href'])).toContain(u.loc);
      for (const l of links) expect([u.loc, l['@_href'], locs.has(l['@_href'])]).toEqual([u.loc, l['@_href'], true]);
    }
    for (const loc of [...locs].filter((l) => l.includes(BIRTHDAY) || l.includes(FRENCH) || !l.includes('/letters/'))) {
      const html = (await request(t.app).get(loc.slice(BASE.length)).expect(200)).text;
      expect([loc, linkHrefs(html, 'rel="canonical"')]).toEqual([loc, [loc]]);
    }
  });

  test('a letter turned back into a draft leaves the sitemap', async () => {
    const letter = await aLetter(t.db, { title: 'Soon a draft again' });
    expect((await sitemap()).some((u) => u.loc.includes(letter.slug))).toBe(true);
    await t.db.getRepository(Letter).update(letter.id, { status: 'draft' });
    expect((await sitemap()).some((u) => u.loc.includes(letter.slug))).toBe(false);
  });
});

/** RFC 9116 section 2.5: "Field: value" lines, comments, nothing else. */
function securityFields(body: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of body.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z0-9-]+): (.+)$/.exec(line);
    if (!m) throw new Error(`not a security.txt line: ${JSON.stringify(line)}`);
    fields.push([m[1].toLowerCase(), m[2]]);
  }
  return fields;
}

describe('/.well-known/security.txt', () => {
  test('follows RFC 9116: a Contact URI, one Expires less than a year ahead, served as UTF-8 text', async () => {
    const res = await get('/.well-known/security.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const fields = securityFields(text(res));
    const contacts = fields.filter(([k]) => k === 'contact').map(([, v]) => v);
    expect(contacts).toEqual(['mailto:security@undersigned.test']);
    const expires = fields.filter(([k]) => k === 'expires').map(([, v]) => v);
    expect(expires).toHaveLength(1);
    expect(expires[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const at = Date.parse(expires[0]);
    expect(at).toBeGreaterThan(Date.now());
    expect(at).toBeLessThan(Date.now() + 365 * 86400_000);
    expect(fields.filter(([k]) => k === 'canonical').map(([, v]) => v)).toEqual([`${BASE}/.well-known/security.txt`]);
    expect(fields.find(([k]) => k === 'preferred-languages')?.[1]).toBe('en, uk, ru, fr, kk');
    for (const [k] of fields)
      expect([
        'contact',
        'expires',
        'canonical',
        'preferred-languages',
        'policy',
        'encryption',
        'acknowledgments',
        'hiring',
      ]).toContain(k);
  });

  test('the contact comes from SECURITY_CONTACT', async () => {
    const other = await startTestApp({ SECURITY_CONTACT: 'https://undersigned.example/security' }, { worker: false });
    try {
      const fields = securityFields(text(await get('/.well-known/security.txt', other)));
      expect(fields.filter(([k]) => k === 'contact')).toEqual([['contact', 'https://undersigned.example/security']]);
    } finally {
      await other.close();
    }
  });
});

describe('the favicon', () => {
  test('pages link an SVG icon and a classic /favicon.ico, both served from this site', async () => {
    const html = (await request(t.app).get('/').expect(200)).text;
    expect(linkHrefs(html, 'rel="icon" type="image/svg\\+xml"')).toEqual(['/static/favicon.svg']);
    expect(linkHrefs(html, 'rel="icon" sizes="32x32"')).toEqual(['/favicon.ico']);

    const svg = await get('/static/favicon.svg');
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(XMLValidator.validate(text(svg))).toBe(true);
    const root = new XMLParser({ ignoreAttributes: false }).parse(text(svg)) as { svg: Record<string, string> };
    expect(root.svg['@_xmlns']).toBe('http://www.w3.org/2000/svg');

    const ico = await get('/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.headers['content-type']).toBe('image/x-icon');
    expect(ico.headers['cache-control']).toMatch(/max-age=\d{5,}/);
    const bytes = ico.body as Buffer;
    // ICONDIR: reserved 0, type 1 (icon), then one 16-byte entry per image.
    expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2)]).toEqual([0, 1]);
    const count = bytes.readUInt16LE(4);
    expect(count).toBeGreaterThanOrEqual(1);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const entry = 6 + 16 * i;
      const declared = bytes.readUInt8(entry) || 256;
      const length = bytes.readUInt32LE(entry + 8);
      const offset = bytes.readUInt32LE(entry + 12);
      expect(offset + length).toBeLessThanOrEqual(bytes.length);
      const png = pngSize(bytes.subarray(offset, offset + length));
      expect(png).toEqual({ width: declared, height: declared });
      sizes.push(declared);
    }
    expect(sizes).toContain(32);
  });
});
