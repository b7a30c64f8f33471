import request from 'supertest';
import { countsByCountry } from '../../../src/core/letters/counts.service';
import { aLetter, aSignature } from '../../support/factories';
import { startTestApp, type TestApp } from '../../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { worker: false });
});
afterAll(async () => {
  await t.close();
});

async function aLetterSignedFrom(counts: Record<string, number>) {
  const letter = await aLetter(t.db);
  for (const [country, n] of Object.entries(counts))
    for (let i = 0; i < n; i++) await aSignature(t.db, letter, { country, visibility: 'private' });
  // Not counted: held and pending signatures are on no map.
  await aSignature(t.db, letter, { country: 'IS', heldReason: 'burst-ip' });
  await aSignature(t.db, letter, { country: 'IS', status: 'pending' });
  return letter;
}

/** The countries the map names, with what it says of each. */
function mapLabels(html: string): Record<string, string> {
  const svg = /<svg[^>]*class="support-map"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
  return Object.fromEntries([...svg.matchAll(/aria-label="([^":]+): ([^"]+)"/g)].map((m) => [m[1], m[2]]));
}

test("the map's figures are the public count per country, and a country under 5 reads 'fewer than 5' everywhere", async () => {
  const letter = await aLetterSignedFrom({ UA: 6, KZ: 5, IS: 2 });
  const exact = await countsByCountry(t.db, letter.id);
  expect(exact).toEqual([
    { country: 'UA', count: 6 },
    { country: 'KZ', count: 5 },
    { country: 'IS', count: 2 },
  ]);

  const page = await request(t.app).get(`/letters/${letter.slug}`).expect(200);
  const img = /<img src="([^"]+map\.svg[^"]*)" alt="([^"]+)"/.exec(page.text);
  expect(img?.[2]).toContain('The same figures are in the list of countries.');
  const map = await request(t.app).get(img![1].replace(/&amp;/g, '&')).buffer(true).expect(200);
  expect(map.headers['content-type']).toContain('image/svg+xml');
  expect(mapLabels(map.body.toString())).toEqual({
    Ukraine: '6 signatures',
    Kazakhstan: '5 signatures',
    Iceland: 'fewer than 5',
  });
  // The table beside it says the same, and the small country's figure is nowhere.
  expect(page.text).toMatch(/<span>Iceland<\/span> <strong>fewer than 5<\/strong>/);
  expect(page.text).toMatch(/<span>Ukraine<\/span> <strong>6<\/strong>/);

  const json = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
  expect(json.body.countries).toEqual([
    { country: 'UA', count: 6 },
    { country: 'KZ', count: 5 },
    { country: 'IS', count: null, fewerThan: 5 },
  ]);

  const report = await request(t.app).get(`/letters/${letter.slug}/integrity`).expect(200);
  expect(mapLabels(report.text)).toEqual(mapLabels(map.body.toString()));
  expect(report.text).toMatch(/<th scope="row">Iceland<\/th><td>fewer than 5<\/td>/);
  expect(report.text).toMatch(/<th scope="row">Kazakhstan<\/th><td>5<\/td>/);
});

test('the map speaks the reader language', async () => {
  const letter = await aLetterSignedFrom({ KZ: 7 });
  const map = await request(t.app).get(`/letters/${letter.slug}/map.svg?lang=kk`).buffer(true).expect(200);
  expect(mapLabels(map.body.toString())).toEqual({ Қазақстан: '7 қол' });
});
