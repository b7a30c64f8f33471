import request from 'supertest';
import { addCount, aLetter, BIRTHDAY, FRENCH, seededLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { decodeHtml, linkHrefs, metaContents } from '../../support/html';

const BASE = 'http://undersigned.test';
const t = useTestApp({}, { worker: false });

const OG_LOCALE = { en: 'en_GB', uk: 'uk_UA', ru: 'ru_RU' } as const;

describe('the letter page declares itself to link previews and search engines', () => {
  test.each(['en', 'uk', 'ru'] as const)('the %s version carries its own Open Graph and Twitter card', async (lang) => {
    const letter = await seededLetter(t.db);
    const version = letter.translations.find((x) => x.language === lang) as LetterTranslation;
    const res = await request(t.app).get(`/letters/${BIRTHDAY}?lang=${lang}`).expect(200);
    const html = res.text;
    const canonical = `${BASE}/letters/${BIRTHDAY}?lang=${lang}`;

    expect(metaContents(html, 'og:type')).toEqual(['article']);
    expect(metaContents(html, 'og:title')).toEqual([version.shortTitle ?? version.title]);
    expect(metaContents(html, 'og:description')).toEqual([version.summary]);
    expect(metaContents(html, 'og:url')).toEqual([canonical]);
    expect(metaContents(html, 'og:locale')).toEqual([OG_LOCALE[lang]]);
    expect(metaContents(html, 'og:locale:alternate').sort()).toEqual(
      Object.entries(OG_LOCALE)
        .filter(([l]) => l !== lang)
        .map(([, v]) => v)
        .sort(),
    );
    const [image] = metaContents(html, 'og:image');
    expect(image).toMatch(new RegExp(`^${BASE}/letters/${BIRTHDAY}/share\\.png\\?lang=${lang}&v=\\d+$`));
    expect(metaContents(html, 'og:image:width')).toEqual(['1200']);
    expect(metaContents(html, 'og:image:height')).toEqual(['630']);
    expect(metaContents(html, 'og:image:alt')[0]).toContain(version.title);
    expect(metaContents(html, 'twitter:card')).toEqual(['summary_large_image']);
    expect(metaContents(html, 'twitter:image')).toEqual([image]);
    expect(metaContents(html, 'description')).toEqual([version.summary]);

    expect(linkHrefs(html, 'rel="canonical"')).toEqual([canonical]);
    const alternates = [...html.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(alternates).toEqual([
      ['en', `${BASE}/letters/${BIRTHDAY}?lang=en`],
      ['ru', `${BASE}/letters/${BIRTHDAY}?lang=ru`],
      ['uk', `${BASE}/letters/${BIRTHDAY}?lang=uk`],
      // The letter's default version, under its canonical address.
      ['x-default', `${BASE}/letters/${BIRTHDAY}?lang=en`],
    ]);
    expect(linkHrefs(html, 'rel="alternate" type="application/json\\+oembed"')).toEqual([
      `${BASE}/oembed?url=${encodeURIComponent(canonical)}&format=json`,
    ]);
    expect(linkHrefs(html, 'rel="alternate" type="application/atom\\+xml"')[0]).toMatch(
      /^\/feeds\/letters\.atom\?lang=/,
    );
  });

  test("x-default names a canonical URL: the version in the letter's default language, which declares itself canonical", async () => {
    await seededLetter(t.db, FRENCH);
    const html = (await request(t.app).get(`/letters/${FRENCH}?lang=en`).expect(200)).text;
    const [xDefault] = linkHrefs(html, 'rel="alternate" hreflang="x-default"');
    expect(xDefault).toBe(`${BASE}/letters/${FRENCH}?lang=fr`);
    const target = (await request(t.app).get(xDefault.slice(BASE.length)).set('Accept-Language', 'uk').expect(200))
      .text;
    expect(linkHrefs(target, 'rel="canonical"')).toEqual([xDefault]);
    expect(linkHrefs(target, 'rel="alternate" hreflang="x-default"')).toEqual([xDefault]);
    expect(linkHrefs(target, 'rel="alternate" hreflang="fr"')).toEqual([xDefault]);
  });

  test('a title with quotes and angle brackets stays inside its attribute', async () => {
    const letter = await aLetter(t.db, { title: 'Free "them" <now> & forever' });
    const html = (await request(t.app).get(`/letters/${letter.slug}`).expect(200)).text;
    expect(metaContents(html, 'og:title')).toEqual(['Free "them" <now> & forever']);
    expect(html).not.toContain('<now>');
  });
});

describe('the home page declares its language versions', () => {
  test.each(['en', 'uk', 'ru', 'fr', 'kk'] as const)(
    'in %s: a canonical URL, one alternate per language and x-default on the English one',
    async (lang) => {
      const html = (await request(t.app).get(`/?lang=${lang}`).expect(200)).text;
      expect(linkHrefs(html, 'rel="canonical"')).toEqual([`${BASE}/?lang=${lang}`]);
      const alternates = [...html.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g)].map((m) => [
        m[1],
        m[2],
      ]);
      expect(alternates).toEqual([
        ['en', `${BASE}/?lang=en`],
        ['uk', `${BASE}/?lang=uk`],
        ['ru', `${BASE}/?lang=ru`],
        ['fr', `${BASE}/?lang=fr`],
        ['kk', `${BASE}/?lang=kk`],
        ['x-default', `${BASE}/?lang=en`],
      ]);
    },
  );

  test('the home page reached by Accept-Language names the language version it shows as canonical', async () => {
    const html = (await request(t.app).get('/').set('Accept-Language', 'ru-RU,ru;q=0.9').expect(200)).text;
    expect(linkHrefs(html, 'rel="canonical"')).toEqual([`${BASE}/?lang=ru`]);
  });
});

describe('share controls on the letter page', () => {
  test('plain share links carry the version URL and no tracking parameter', async () => {
    await seededLetter(t.db);
    const html = (await request(t.app).get(`/letters/${BIRTHDAY}?lang=uk&utm_source=newsletter&fbclid=abc`).expect(200))
      .text;
    const links = [...html.matchAll(/<a class="share-(\w+)" href="([^"]+)" rel="noopener noreferrer">/g)].map((m) => ({
      network: m[1],
      href: decodeHtml(m[2]),
    }));
    expect(links.map((l) => l.network)).toEqual(['telegram', 'whatsapp', 'facebook', 'x', 'email']);
    const encoded = encodeURIComponent(`${BASE}/letters/${BIRTHDAY}?lang=uk`);
    for (const l of links) {
      expect(l.href).toContain(encoded);
      expect(l.href).not.toMatch(/utm_|fbclid/);
    }
    // The pre-written message is in the reader's language.
    expect(decodeURIComponent(links[0].href)).toContain('Прочитайте');
    expect(html).toMatch(
      /<input id="share-url" type="text" readonly value="http:\/\/undersigned\.test\/letters\/[a-z-]+\?lang=uk"/,
    );
    expect(html).toMatch(/<button type="button" hidden data-copy="share-url"/);
    expect(html).toContain('<script src="/static/share.js" defer></script>');
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>/);
    expect(html).toContain(`href="/letters/${BIRTHDAY}/qr.svg?lang=uk"`);
  });

  test('the embed section offers an iframe of the embed route in a read-only field', async () => {
    await seededLetter(t.db);
    const html = (await request(t.app).get(`/letters/${BIRTHDAY}?lang=ru`).expect(200)).text;
    const m = /<textarea id="embed-code" readonly[^>]*>([^<]*)<\/textarea>/.exec(html);
    expect(m).not.toBeNull();
    const snippet = decodeHtml((m as RegExpExecArray)[1]);
    expect(snippet).toMatch(
      new RegExp(`^<iframe src="${BASE}/letters/${BIRTHDAY}/embed\\?lang=ru" width="\\d+" height="\\d+" title="[^"]+"`),
    );
  });

  test('the script that copies the link is served from this site', async () => {
    const res = await request(t.app).get('/static/share.js').expect(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.text).toContain('navigator.clipboard');
  });
});

describe('where support comes from', () => {
  test('countries are listed by verified count, top ten and the others summed, with a chart', async () => {
    const letter = await aLetter(t.db, { language: 'en' });
    const countries = ['UA', 'KZ', 'FR', 'DE', 'PL', 'GB', 'US', 'IT', 'ES', 'NL', 'BE', 'CH'];
    for (const [i, c] of countries.entries()) await addCount(t.db, letter.id, c, 100 - i);
    const html = (await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200)).text;
    const list = /<ol class="country-list"[^>]*>([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '';
    const rows = [...list.matchAll(/<li[^>]*><span>([^<]+)<\/span> <strong>([^<]+)<\/strong><\/li>/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows).toHaveLength(11);
    expect(rows[0]).toEqual(['Ukraine', '100']);
    expect(rows[1]).toEqual(['Kazakhstan', '99']);
    expect(rows[10]).toEqual(['Other countries', String(90 + 89)]);
    expect(html).toMatch(/<svg [^>]*class="chart chart-bar"/);
  });

  test('a letter nobody has signed yet says so instead of an empty chart', async () => {
    const letter = await aLetter(t.db);
    const html = (await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200)).text;
    expect(html).toContain('No verified signatures yet.');
    expect(html).not.toContain('class="chart chart-bar"');
  });
});
