import request from 'supertest';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

// A search is bounded in time: one that every name of a large letter matches costs PostgreSQL at
// most SEARCH_TIME_LIMIT_MS, then the reader is asked to type more. Here the limit is made tiny so
// that the search for a word every name shares trips it on a few thousand rows.
const t = useTestApp({ SEARCH_TIME_LIMIT_MS: '2' }, { worker: false });

describe('a search that too many names match', () => {
  let slug: string;

  beforeAll(async () => {
    const letter = await aLetter(t.db);
    slug = letter.slug;
    await t.db.query(
      `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status, created_at, confirmed_at)
       SELECT $1, 'Signer ' || g, 'bound-' || g || '@example.org', 'bound-' || g || '@example.org', 'UA', 'public', 'en',
              'confirmed', now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
         FROM generate_series(1, 40000) g`,
      [letter.id],
    );
    await t.db.query('ANALYZE signatures');
  });

  test('is stopped at the time limit and answered 422, asking in the reader’s language to type more', async () => {
    const res = await request(t.app).get(`/letters/${slug}/signatories?q=signer&lang=ru`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Слишком много совпадений');
    expect(res.text).not.toMatch(/Signer \d+/);
    // The form keeps what was typed.
    expect(res.text).toMatch(/name="q"[^>]*value="signer"/);
  });

  test('the list without a search is not held to the search limit', async () => {
    const res = await request(t.app).get(`/letters/${slug}/signatories`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/Signer \d+/);
  });
});
