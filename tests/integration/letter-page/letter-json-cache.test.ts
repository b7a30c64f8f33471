import request from 'supertest';
import { aLetter, aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, signInAs } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';

const t = useTestApp();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the public JSON until its count is `expected`, within `withinMs`; returns how long it took. */
async function countBecomes(slug: string, expected: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await request(t.app).get(`/letters/${slug}.json`).expect(200);
    if (res.body.signatureCount === expected) return Date.now() - started;
    if (Date.now() - started > withinMs)
      throw new Error(`count still ${res.body.signatureCount}, expected ${expected}`);
    await sleep(50);
  }
}

describe('the public letter JSON', () => {
  test('is cacheable for a second by anyone, with stale-while-revalidate, and carries a strong ETag', async () => {
    const letter = await aLetter(t.db);
    const res = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=5');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{16,}"$/);
    expect(res.body.slug).toBe(letter.slug);
  });

  test('a reader who has the bytes gets 304 Not Modified with no body, and the full answer once they change', async () => {
    const letter = await aLetter(t.db);
    const first = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
    const etag = first.headers.etag;
    const again = await request(t.app).get(`/letters/${letter.slug}.json`).set('If-None-Match', etag).expect(304);
    expect(again.text ?? '').toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=5');

    await aSignature(t.db, letter);
    await countBecomes(letter.slug, 1, 3000);
    const changed = await request(t.app).get(`/letters/${letter.slug}.json`).set('If-None-Match', etag).expect(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body.signatureCount).toBe(1);
  });

  test('gzipped bytes have an ETag of their own, and unzip to the same JSON', async () => {
    const letter = await aLetter(t.db);
    await t.db.query(`UPDATE letter_translations SET body = $2 WHERE letter_id = $1`, [
      letter.id,
      'We ask for justice. '.repeat(200),
    ]);
    const plain = await request(t.app)
      .get(`/letters/${letter.slug}.json`)
      .set('Accept-Encoding', 'identity')
      .expect(200);
    const gz = await request(t.app)
      .get(`/letters/${letter.slug}.json`)
      .set('Accept-Encoding', 'gzip')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/Accept-Encoding/);
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    // The client unzipped it (as a browser does): the same JSON.
    expect(JSON.parse((gz.body as Buffer).toString('utf8'))).toEqual(plain.body);
    await request(t.app)
      .get(`/letters/${letter.slug}.json`)
      .set('Accept-Encoding', 'gzip')
      .set('If-None-Match', gz.headers.etag)
      .expect(304);
    await request(t.app)
      .get(`/letters/${letter.slug}.json`)
      .set('Accept-Encoding', 'identity')
      .set('If-None-Match', gz.headers.etag)
      .expect(200);
  });

  test('is shared for up to a second: a new signature shows within two, while the dashboard has it at once', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    const b = await signInAs(t.app, t.smtp, owner.email);
    await aSignature(t.db, letter);
    await countBecomes(letter.slug, 1, 3000);

    // Read now (cached), then a second signature: the JSON may lag by up to a second.
    await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
    await aSignature(t.db, letter);
    const stale = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
    expect(stale.body.signatureCount).toBe(1);
    const dashboard = await b.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(dashboard.text).toMatch(/<dd>2(<| )/);

    const took = await countBecomes(letter.slug, 2, 2000);
    expect(took).toBeLessThanOrEqual(1500);
  });

  test('a letter that does not exist, or a draft, is still a 404 and is not cached as one', async () => {
    const draft = await aLetter(t.db, { status: 'draft' });
    await request(t.app).get(`/letters/${draft.slug}.json`).expect(404);
    await t.db.query(`UPDATE letters SET status = 'open' WHERE id = $1`, [draft.id]);
    await request(t.app).get(`/letters/${draft.slug}.json`).expect(200);
  });
});
