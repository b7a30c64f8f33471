import { Writable } from 'node:stream';
import request from 'supertest';
import { buildApp } from '../../../src/app/app';
import { createLogger } from '../../../src/platform/logger';
import { oembedProblems, type OEmbedRequest } from '../../support/oembed-spec';
import { addCount, aLetter, BIRTHDAY, FRENCH, seededLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import { decodeHtml } from '../../support/html';

const BASE = 'http://undersigned.test';
const t = useTestApp({}, { worker: false });

function frameAncestors(csp: string | undefined): string {
  return /frame-ancestors ([^;]*)/.exec(csp ?? '')?.[1] ?? '';
}

describe('the embeddable widget', () => {
  test('may be framed by any site, while the letter page and others may not be framed at all', async () => {
    await seededLetter(t.db);
    const embed = await request(t.app).get(`/letters/${BIRTHDAY}/embed?lang=uk`).expect(200);
    expect(frameAncestors(embed.headers['content-security-policy'])).toBe('*');
    expect(embed.headers['x-frame-options']).toBeUndefined();
    // The rest of the policy is kept: still no inline script.
    expect(embed.headers['content-security-policy']).toContain("script-src 'self'");

    for (const path of [`/letters/${BIRTHDAY}?lang=uk`, '/', `/letters/${BIRTHDAY}/embed-not`, '/feeds/letters.atom']) {
      const res = await request(t.app).get(path);
      expect(frameAncestors(res.headers['content-security-policy'])).toBe("'none'");
    }
  });

  test('shows the title, the count, the progress and a sign button opening the letter in a new tab', async () => {
    const letter = await aLetter(t.db, { title: 'Free the <b>bloggers</b>', goal: 200 });
    await addCount(t.db, letter.id, 'FR', 42);
    const res = await request(t.app).get(`/letters/${letter.slug}/embed?lang=en`).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.text).toContain('Free the &lt;b&gt;bloggers&lt;/b&gt;');
    expect(res.text).toContain('42 verified signatures');
    expect(res.text).toMatch(/<progress max="200" value="42"/);
    expect(res.text).toContain(
      `<a class="embed-sign" href="${BASE}/letters/${letter.slug}?lang=en#sign-heading" target="_blank" rel="noopener">Sign the letter</a>`,
    );
    expect(res.text).not.toMatch(/<script/);
  });
});

describe('oEmbed', () => {
  test('a letter URL of this site gets a rich embed in the version asked for', async () => {
    const letter = await seededLetter(t.db, FRENCH);
    const url = `${BASE}/letters/${FRENCH}?lang=fr`;
    const res = await request(t.app)
      .get(`/oembed?url=${encodeURIComponent(url)}&format=json`)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const fr = letter.translations.find((x) => x.language === 'fr');
    expect(res.body).toMatchObject({
      version: '1.0',
      type: 'rich',
      title: fr?.title,
      provider_name: 'Undersigned',
      provider_url: `${BASE}/`,
      width: 420,
      height: 260,
    });
    expect(res.body.html).toMatch(
      new RegExp(`^<iframe src="${BASE}/letters/${FRENCH}/embed\\?lang=fr" width="420" height="260" title="[^"<>]+"`),
    );
    expect(decodeHtml(/title="([^"]+)"/.exec(res.body.html as string)?.[1] ?? '')).toContain(fr?.title);
  });

  test('maxwidth narrows the embed', async () => {
    await seededLetter(t.db);
    const url = encodeURIComponent(`${BASE}/letters/${BIRTHDAY}`);
    const res = await request(t.app).get(`/oembed?url=${url}&format=json&maxwidth=300`).expect(200);
    expect(res.body.width).toBe(300);
    expect(res.body.html).toContain('width="300"');
  });

  test.each([
    [{}],
    [{ maxwidth: 300 }],
    [{ maxheight: 100 }],
    [{ maxheight: 180 }],
    [{ maxwidth: 250, maxheight: 150 }],
    [{ maxwidth: 2000, maxheight: 2000 }],
  ])('the answer to %j obeys the oEmbed spec, maxwidth and maxheight included', async (limits: OEmbedRequest) => {
    await seededLetter(t.db);
    const query = new URLSearchParams({ url: `${BASE}/letters/${BIRTHDAY}?lang=uk`, format: 'json' });
    for (const [k, v] of Object.entries(limits)) query.set(k, String(v));
    const res = await request(t.app).get(`/oembed?${query.toString()}`).expect(200);
    expect(oembedProblems(res.body, limits)).toEqual([]);
    // As big as the limits allow: a consumer gets the whole card when it has the room.
    expect(res.body.width).toBe(Math.min(420, limits.maxwidth ?? 420));
    expect(res.body.height).toBe(Math.min(260, limits.maxheight ?? 260));
  });

  test('a frame smaller than the embed can fill is refused with 501, which is not logged as an outage', async () => {
    await seededLetter(t.db);
    const lines: string[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const app = buildApp({ ...t.ctx, log: createLogger('trace', capture) }, { devMailbox: false });
    const url = encodeURIComponent(`${BASE}/letters/${BIRTHDAY}`);
    for (const limits of ['maxheight=99', 'maxwidth=199', 'maxwidth=120&maxheight=60']) {
      const res = await request(app)
        .get(`/oembed?url=${url}&format=json&${limits}`)
        .set('Accept', 'application/json')
        .expect(501);
      expect(res.body).toMatchObject({
        error: 'embed_too_small',
        message: 'The letter cannot be shown in a frame this small.',
      });
    }
    const uk = await request(app).get(`/oembed?url=${url}&maxheight=50`).set('Accept-Language', 'uk').expect(501);
    expect(uk.text).toContain('У такій маленькій рамці лист показати неможливо.');
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.filter((l) => l.msg === 'service unavailable')).toEqual([]);
    expect(logged.filter((l) => l.level >= 40)).toEqual([]);
  });

  test.each([
    ['another site', 'https://evil.example/letters/birthday-greeting-mukhtar-ablyazov'],
    ['another path of this site', `${BASE}/feeds/letters.atom`],
    ['a letter that does not exist', `${BASE}/letters/no-such-letter`],
    ['a sub-page of a letter', `${BASE}/letters/${BIRTHDAY}/embed`],
    ['not a URL', 'letters/birthday'],
  ])('%s is refused with 404', async (_what, url) => {
    await seededLetter(t.db);
    await request(t.app)
      .get(`/oembed?url=${encodeURIComponent(url)}&format=json`)
      .expect(404);
  });

  test('a draft letter is not disclosed, and XML is not offered', async () => {
    const draft = await aLetter(t.db, { status: 'draft' });
    await request(t.app)
      .get(`/oembed?url=${encodeURIComponent(`${BASE}/letters/${draft.slug}`)}`)
      .expect(404);
    await request(t.app)
      .get(`/oembed?url=${encodeURIComponent(`${BASE}/letters/${BIRTHDAY}`)}&format=xml`)
      .expect(501);
  });
});
