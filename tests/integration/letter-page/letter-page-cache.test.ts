import { aLetter, signForm } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';
import { Signature } from '../../../src/features/signatures/signature.entity';

// The page cache on, as in production (the other tests turn it off to read changes at once).
const t = useTestApp({ LETTER_PAGE_CACHE_SECONDS: '2' });

const countOf = (html: string) => /(\d+) verified signature/.exec(html)?.[1];

test('readers share one rendering for a moment, each with a CSRF token of their own that signs', async () => {
  const letter = await aLetter(t.db, { title: 'Cached for a moment' });
  const [a, b] = [browser(t.app), browser(t.app)];
  const tokenA = await a.csrfFrom(`/letters/${letter.slug}`);
  const tokenB = await b.csrfFrom(`/letters/${letter.slug}`);
  expect(tokenA).not.toBe(tokenB);
  expect(tokenA).not.toMatch(/slot/);
  for (const [reader, token] of [
    [a, tokenA],
    [b, tokenB],
  ] as const) {
    await reader.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...signForm(), _csrf: token })
      .expect(303);
  }
  expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(2);
});

test('a change shows once the moment has passed, and each language has its own rendering', async () => {
  const letter = await aLetter(t.db);
  const page = () => browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
  expect(countOf((await page()).text)).toBe('0');
  await t.db.query(`INSERT INTO signature_count_deltas (letter_id, country, delta) VALUES ($1, 'UA', 1)`, [letter.id]);
  expect(countOf((await page()).text)).toBe('0'); // the same rendering, under two seconds old
  const uk = await browser(t.app).agent.get(`/letters/${letter.slug}?lang=uk`).expect(200);
  expect(uk.text).toContain('lang="uk"');
  expect(uk.text).toContain('1 підтверджений підпис');
  await new Promise((r) => setTimeout(r, 2100));
  expect(countOf((await page()).text)).toBe('1');
});
