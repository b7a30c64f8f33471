import request from 'supertest';
import { forgetLetterPage } from '../../../src/features/letter-page';
import { aLetter, aSignature } from '../../support/factories';
import { startTestApp, type TestApp } from '../../support/test-app';

// The list's pages with the cache the site runs with (tests elsewhere turn it off).
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LETTER_PAGE_CACHE_SECONDS: '60' }, { worker: false });
});
afterAll(async () => {
  await t.close();
});

test("a list page is rendered once per letter, language and query while it is fresh; each reader's form token fills its slot", async () => {
  const letter = await aLetter(t.db, { status: 'open' });
  await aSignature(t.db, letter, { fullName: 'Первая Подписантка', visibility: 'public' });
  const url = `/letters/${letter.slug}/signatories`;
  const first = await request(t.app).get(url).set('Accept-Language', 'ru');
  expect(first.status).toBe(200);
  expect(first.text).toContain('Первая Подписантка');

  await aSignature(t.db, letter, { fullName: 'Вторая Подписантка', visibility: 'public' });
  // The same page, within its time: the copy already rendered, not a read of the table.
  const again = await request(t.app).get(url).set('Accept-Language', 'ru');
  expect(again.text).not.toContain('Вторая Подписантка');
  // Another query (or language) is another page, rendered from the rows as they are now.
  const byName = await request(t.app).get(`${url}?order=name`).set('Accept-Language', 'ru');
  expect(byName.text).toContain('Вторая Подписантка');
  const english = await request(t.app).get(url).set('Accept-Language', 'en');
  expect(english.text).toContain('Вторая Подписантка');
  // A bad query's answer is kept with its status.
  const bad = await request(t.app).get(`${url}?page=not-a-cursor`);
  expect(bad.status).toBe(400);
  expect((await request(t.app).get(`${url}?page=not-a-cursor`)).status).toBe(400);
  expect(again.text).not.toMatch(/csrf-slot-/);
});

test('every query of a letter (each search is one) reads the letter once while it is fresh, and forgets it with the pages', async () => {
  const letter = await aLetter(t.db, { status: 'open' });
  await aSignature(t.db, letter, { fullName: 'Жанар Қасымқызы', visibility: 'public' });
  const url = `/letters/${letter.slug}/signatories`;
  const title = async (q: string) =>
    /<title>([^<]*)<\/title>/.exec((await request(t.app).get(url).query({ q }).expect(200)).text)?.[1] ?? '';
  const before = await title('жанар');
  await t.db.query(
    `UPDATE letter_translations SET title = 'Заголовок изменён', short_title = NULL WHERE letter_id = $1`,
    [letter.id],
  );
  // Another search is another page, but the letter it shows is the one read for the first.
  expect(await title('касымкызы')).toBe(before);
  // A change made in this process drops it with the pages.
  forgetLetterPage(t.ctx, letter.slug);
  expect(await title('жанар касымкызы')).toContain('Заголовок изменён');
});

test('a list page has no form: an anonymous reader gets its bytes without a CSRF cookie, with a strong ETag, and 304 when they have them', async () => {
  const letter = await aLetter(t.db, { status: 'open' });
  await aSignature(t.db, letter, { fullName: 'Ляззат Сабитова', visibility: 'public' });
  const url = `/letters/${letter.slug}/signatories`;
  const first = await request(t.app).get(url).set('Accept-Language', 'kk').set('Accept-Encoding', 'identity');
  expect(first.status).toBe(200);
  expect(first.headers['content-encoding']).toBeUndefined();
  expect(first.text).toContain('Ляззат Сабитова');
  // Nothing on the page posts, so nothing to protect and no cookie to set.
  expect(first.text).not.toMatch(/name="_csrf"/);
  expect(first.headers['set-cookie']).toBeUndefined();
  const etag = first.headers.etag;
  expect(etag).toMatch(/^"[^"]+"$/);
  const again = await request(t.app)
    .get(url)
    .set('Accept-Language', 'kk')
    .set('Accept-Encoding', 'identity')
    .set('If-None-Match', etag);
  expect(again.status).toBe(304);
  expect(again.headers['set-cookie']).toBeUndefined();
  // A reader whose browser takes gzip gets the same page compressed, with an ETag of its own.
  const zipped = await request(t.app).get(url).set('Accept-Language', 'kk').set('Accept-Encoding', 'gzip');
  expect(zipped.headers['content-encoding']).toBe('gzip');
  expect(zipped.headers.etag).not.toBe(etag);
  expect(zipped.text).toContain('Ляззат Сабитова');
});

test('the map is drawn and read once per letter and language while it is fresh, kept as bytes with a strong ETag, and forgotten with the pages', async () => {
  const letter = await aLetter(t.db, { status: 'open' });
  for (let i = 0; i < 6; i++) await aSignature(t.db, letter, { country: 'KZ', visibility: 'private' });
  const url = `/letters/${letter.slug}/map.svg?lang=kk`;
  const first = await request(t.app).get(url).set('Accept-Encoding', 'identity').expect(200);
  expect(first.headers['content-type']).toMatch(/^image\/svg\+xml/);
  expect(first.headers['content-language']).toBe('kk');
  expect(first.headers['cache-control']).toBe('public, max-age=60');
  expect(first.headers.etag).toMatch(/^"[^"]+"$/);
  const svg = first.body instanceof Buffer ? first.body.toString('utf8') : first.text;
  expect(svg).toContain('<svg');

  // More signatures from Kazakhstan: the map within its second is the one already drawn.
  for (let i = 0; i < 6; i++) await aSignature(t.db, letter, { country: 'KZ', visibility: 'private' });
  const again = await request(t.app)
    .get(url)
    .set('Accept-Encoding', 'identity')
    .set('If-None-Match', first.headers.etag);
  expect(again.status).toBe(304);
  const zipped = await request(t.app).get(url).set('Accept-Encoding', 'gzip').expect(200);
  expect(zipped.headers['content-encoding']).toBe('gzip');
  expect(zipped.headers.etag).not.toBe(first.headers.etag);

  // A change made in this process drops it with the list's pages.
  forgetLetterPage(t.ctx, letter.slug);
  const redrawn = await request(t.app).get(url).set('Accept-Encoding', 'identity').expect(200);
  expect(redrawn.headers.etag).not.toBe(first.headers.etag);
});
