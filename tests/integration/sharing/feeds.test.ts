import request from 'supertest';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import { parseFeed } from '@rowanmanning/feed-parser';
import { Letter } from '../../../src/core/letters/letter.entity';
import { LetterResponse } from '../../../src/features/updates/letter-response.entity';
import { LetterUpdate } from '../../../src/features/updates/letter-update.entity';
import { decodeHtml } from '../../support/html';
import { parseXml } from '../../support/files';

const BASE = 'http://undersigned.test';
const t = useTestApp({}, { worker: false });

const HOSTILE = 'Tom & Jerry <script>alert(1)</script> "quoted" ]]> \u0001end';

async function feed(path: string) {
  const res = await request(t.app)
    .get(path)
    .buffer(true)
    .parse((r, cb) => {
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
    for (const required of [
      'feed/id',
      'feed/title',
      'feed/updated',
      'feed/author/name',
      'feed/link',
      'feed/entry/id',
      'feed/entry/updated',
    ]) {
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

  test("the layout advertises the feed for the reader's language", async () => {
    const html = (await request(t.app).get('/?lang=fr').expect(200)).text;
    expect(html).toContain(
      '<link rel="alternate" type="application/atom+xml" href="/feeds/letters.atom?lang=fr" title="Lettres ouvertes sur Undersigned">',
    );
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

describe('the updates feed, read by a feed reader', () => {
  test('carries the emailed updates and the official responses beside the deliveries, newest first, public text only', async () => {
    const letter = await aLetter(t.db, { title: 'Free the reporters' });
    const draft = await aLetter(t.db, { status: 'draft', title: 'Still a draft' });
    await t.db
      .getRepository(Letter)
      .update(letter.id, { deliveredAt: new Date('2032-01-10T09:00:00Z'), deliveredTo: 'The Minister' });
    const updates = t.db.getRepository(LetterUpdate);
    const responses = t.db.getRepository(LetterResponse);
    const update = await updates.save({
      letterId: letter.id,
      language: 'en',
      subject: 'We reached 10 000 & more',
      bodyMarkdown: 'Thank you **all**. <script>alert(1)</script>',
      createdAt: new Date('2032-01-05T12:00:00Z'),
      recipients: 7654321,
    });
    const response = await responses.save({
      letterId: letter.id,
      respondedOn: '2032-02-01',
      body: 'The ministry **will review** the case.',
      link: 'https://ministry.example/answer?id=1&lang=en',
      createdAt: new Date('2032-02-03T08:00:00Z'),
      recipients: 7654321,
    });
    await updates.save({
      letterId: draft.id,
      language: 'en',
      subject: 'Draft news nobody may see',
      bodyMarkdown: 'Secret',
      createdAt: new Date('2032-03-01T00:00:00Z'),
    });

    const xml = await feed('/feeds/updates.atom?lang=en');
    const parsed = parseFeed(xml);
    expect(parsed.meta.type).toBe('atom');
    const mine = parsed.items.filter((i) => (i.url ?? '').includes(letter.slug));
    expect(mine.map((i) => i.title)).toEqual([
      'Official response to “Free the reporters”',
      'Delivered: Free the reporters',
      'Update on “Free the reporters”: We reached 10 000 & more',
    ]);
    expect(mine.map((i) => i.updated?.toISOString())).toEqual([
      '2032-02-03T08:00:00.000Z',
      '2032-01-10T09:00:00.000Z',
      '2032-01-05T12:00:00.000Z',
    ]);
    for (const item of mine) expect(item.url).toBe(`${BASE}/letters/${letter.slug}?lang=en`);
    expect(mine.map((i) => i.id)).toEqual([
      `${BASE}/letters/${letter.slug}#response-${response.id}`,
      `${BASE}/letters/${letter.slug}#delivered-2032-01-10T09:00:00.000Z`,
      `${BASE}/letters/${letter.slug}#update-${update.id}`,
    ]);
    const [answer, , news] = mine;
    expect(answer.content).toContain('<strong>will review</strong>');
    expect(answer.content).toContain('href="https://ministry.example/answer?id=1&lang=en"');
    expect(answer.description).toBe('The officials answered on February 1, 2032.');
    expect(news.content).toContain('Thank you <strong>all</strong>.');
    // Raw HTML in an update is text: escaped once for HTML, once more for the XML around it.
    expect(xml).not.toContain('<script>');
    expect(xml).toContain('&amp;lt;script&amp;gt;');
    // Only what the letter page or the email says publicly: no counts of recipients, no organiser.
    expect(xml).not.toContain('7654321');
    expect(xml).not.toContain('4 321');
    expect(parsed.items.some((i) => (i.title ?? '').includes('Draft news'))).toBe(false);
    // Newest first across the whole feed.
    const times = parsed.items.map((i) => i.updated?.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  test("entries speak the reader's language", async () => {
    const letter = await aLetter(t.db, { title: 'Лист', language: 'uk' });
    await t.db.getRepository(LetterResponse).save({
      letterId: letter.id,
      respondedOn: '2032-04-01',
      body: 'Відповідь',
      createdAt: new Date('2032-04-02T00:00:00Z'),
    });
    const parsed = parseFeed(await feed('/feeds/updates.atom?lang=uk'));
    const item = parsed.items.find((i) => (i.url ?? '').includes(letter.slug));
    expect(item?.title).toBe('Офіційна відповідь на «Лист»');
  });
});
