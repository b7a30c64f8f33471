import request from 'supertest';
import { HOME_PAGE_LETTERS } from '../../../src/core/letters/letters.service';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

const t = useTestApp({}, { worker: false });

/** The slugs a page of the home list links to, and its link to the next page. */
function pageOf(html: string): { slugs: string[]; next: string | null } {
  const slugs = [...html.matchAll(/<h2><a href="\/letters\/([^"?]+)\?lang=/g)].map((m) => m[1]);
  const next = /<a href="(\/\?after=[^"]+)" rel="next"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? null;
  return { slugs, next };
}

test('the home page lists a bounded page of letters, and every letter is reached by following "more letters"', async () => {
  const made = [];
  for (let i = 0; i < HOME_PAGE_LETTERS + 5; i++) made.push(await aLetter(t.db, { title: `Home list ${i}` }));
  const seen: string[] = [];
  let path: string | null = '/';
  for (let pages = 0; path && pages < 1000; pages++) {
    const res = await request(t.app).get(path).expect(200);
    const page = pageOf(res.text);
    expect(page.slugs.length).toBeLessThanOrEqual(HOME_PAGE_LETTERS);
    seen.push(...page.slugs);
    path = page.next;
  }
  expect(path).toBeNull();
  for (const l of made) expect(seen.filter((s) => s === l.slug)).toHaveLength(1);
  expect(new Set(seen).size).toBe(seen.length);
});

test('a malformed or unknown "after" is a 400 or the first page, never a server error', async () => {
  await request(t.app).get('/?after=%00').expect(400);
  const unknown = await request(t.app).get('/?after=no-such-letter-anywhere').expect(200);
  expect(unknown.text).toContain('<h1>');
});
