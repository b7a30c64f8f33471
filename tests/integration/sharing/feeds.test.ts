import request from 'supertest';
import { aLetter } from '../../helpers/factories';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { Letter } from '../../../src/letters/letter.entity';
import { decodeHtml, parseXml } from './support';

const BASE = 'http://undersigned.test';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { worker: false });
});
afterAll(async () => {
  await t.close();
});

const HOSTILE = 'Tom & Jerry <script>alert(1)</script> "quoted" ]]> \u0001end';

async function feed(path: string) {
  const res = await request(t.app).get(path).buffer(true).parse((r, cb) => {
    let s = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => (s += c));
    r.on('end', () => cb(null, s));
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
  expect(res.headers['cache-control']).toBe('public, max-age=300');
  return res.body as string;
}

function entries(xml: string): Array<{ title: string; link: string; id: string; updated: string }> {
  return [...xml.matchAll(/<entry[^>]*>([\s\S]*?)<\/entry>/g)].map((m) => ({
    title: decodeHtml(/<title type="text">([^<]*)<\/title>/.exec(m[1])?.[1] ?? ''),
    link: decodeHtml(/<link rel="alternate" type="text\/html" href="([^"]*)"\/>/.exec(m[1])?.[1] ?? ''),
    id: decodeHtml(/<id>([^<]*)<\/id>/.exec(m[1])?.[1] ?? ''),
    updated: /<updated>([^<]*)<\/updated>/.exec(m[1])?.[1] ?? '',
  }));
}

describe('the open letters feed', () => {
  test('is well-formed Atom with the open letters, newest first, in the interface language', async () => {
    // The feed holds the newest 50 letters and other test files add letters to this database, so
    // the Ukrainian letter is made here rather than relying on the seeded one being among them.
    const ukrainian = await aLetter(t.db, { language: 'uk', title: 'Привітання Мухтарові Аблязову з днем народження' });
    const newest = await aLetter(t.db, { title: HOSTILE, language: 'en' });
    await aLetter(t.db, { status: 'draft', title: 'A draft nobody may see' });
    const xml = await feed('/feeds/letters.atom?lang=uk');

    const { root, elements } = parseXml(xml);
    expect(root).toBe('feed');
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="uk">');
    for (const required of ['feed/id', 'feed/title', 'feed/updated', 'feed/author/name', 'feed/link', 'feed/entry/id', 'feed/entry/updated']) {
      expect(elements).toContain(required);
    }
    expect(xml).toContain(`<link rel="self" type="application/atom+xml" href="${BASE}/feeds/letters.atom?lang=uk"/>`);
    expect(xml).toContain('<title type="text">Відкриті листи на Undersigned</title>');

    const list = entries(xml);
    expect(list[0].title).toBe(HOSTILE.replace('\u0001', ''));
    expect(list[0].link).toBe(`${BASE}/letters/${newest.slug}?lang=en`);
    expect(list.find((e) => e.link === `${BASE}/letters/${ukrainian.slug}?lang=uk`)?.title).toBe(
      'Привітання Мухтарові Аблязову з днем народження',
    );
    expect(list.map((e) => e.title)).not.toContain('A draft nobody may see');
    const ids = list.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Nothing a letter's author wrote reaches the XML unescaped.
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('<strong>');
    expect(xml).toContain('&lt;strong&gt;justice&lt;/strong&gt;');
  });

  test('the layout advertises the feed for the reader\'s language', async () => {
    const html = (await request(t.app).get('/?lang=fr').expect(200)).text;
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" href="/feeds/letters.atom?lang=fr" title="Lettres ouvertes sur Undersigned">');
  });
});

describe('the updates feed', () => {
  test('has one entry per delivered letter, newest delivery first', async () => {
    const early = await aLetter(t.db, { title: 'Delivered in spring' });
    const late = await aLetter(t.db, { title: 'Delivered & <received>' });
    await aLetter(t.db, { title: 'Never delivered' });
    const repo = t.db.getRepository(Letter);
    await repo.update(early.id, { deliveredAt: new Date('2031-04-02T10:00:00Z'), deliveredTo: 'The Minister' });
    await repo.update(late.id, {
      deliveredAt: new Date('2031-05-22T09:30:00Z'),
      deliveredTo: 'Ministère de la Justice',
      deliveryNote: 'Handed over at the **front desk** <b>by hand</b>.',
    });
    const xml = await feed('/feeds/updates.atom?lang=en');
    parseXml(xml);
    const list = entries(xml);
    const mine = list.filter((e) => e.link.includes(early.slug) || e.link.includes(late.slug));
    expect(mine.map((e) => e.title)).toEqual(['Delivered: Delivered & <received>', 'Delivered: Delivered in spring']);
    expect(mine[0].updated).toBe('2031-05-22T09:30:00.000Z');
    expect(list.some((e) => e.title.includes('Never delivered'))).toBe(false);
    expect(xml).toContain('was delivered to Ministère de la Justice on May 22, 2031.');
    expect(xml).not.toContain('<b>');
    expect(xml).toMatch(/<updated>2031-05-22T09:30:00.000Z<\/updated>\n<author>/);
  });
});
