import crypto from 'node:crypto';
import request from 'supertest';
import type { Letter, Language, LetterStatus } from '../../../src/core/letters/letter.entity';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { FINDING_MAX_PAGES, FINDING_PAGE_SIZE } from '../../../src/features/finding';
import { addCount, aLetter } from '../../support/factories';
import { decodeHtml } from '../../support/html';
import { formatDate } from '../../../src/platform/web/i18n';
import { useTestApp } from '../../support/test-app';

const t = useTestApp({}, { worker: false });

/** A word no other test's letter holds, so that a search finds only this test's letters. */
const tag = () => `zq${crypto.randomBytes(5).toString('hex')}`;

/** The slugs a page of the list links to, in order, and its link to the next page. */
function pageOf(html: string): { slugs: string[]; next: string | null } {
  const slugs = [...html.matchAll(/<h3><a href="\/letters\/([^"?]+)\?lang=/g)].map((m) => m[1]);
  const next = /<a href="([^"]+)" rel="next"/.exec(html)?.[1] ?? null;
  return { slugs, next: next && decodeHtml(next) };
}

async function list(path: string): Promise<string[]> {
  const res = await request(t.app).get(path).expect(200);
  return pageOf(res.text).slugs;
}

async function aTaggedLetter(
  word: string,
  opts: { status?: LetterStatus; title?: string; language?: Language } = {},
): Promise<Letter> {
  const letter = await aLetter(t.db, {
    status: opts.status ?? 'open',
    title: opts.title ?? `Letter ${word}`,
    language: opts.language,
  });
  await t.db.query(`UPDATE letter_translations SET summary = $2 WHERE letter_id = $1`, [letter.id, `About ${word}.`]);
  return letter;
}

describe('search', () => {
  test('finds a French title and a Russian title, whatever the accents and capitals, and a Russian one by its Latin spelling', async () => {
    const suffix = crypto.randomBytes(3).toString('hex');
    // A Cyrillic word of its own, and its transliteration, made from letters with one spelling.
    const cyr = 'бвгдклмнпрст';
    const lat = 'bvgdklmnprst';
    const picks = [...crypto.randomBytes(6)].map((b) => b % cyr.length);
    const cyrWord = picks.map((i) => `${cyr[i]}о`).join('');
    const latWord = picks.map((i) => `${lat[i]}o`).join('');

    const french = await aLetter(t.db, { title: `Lettre pour la liberté d’Élodie ${suffix}`, language: 'fr' });
    const russian = await aLetter(t.db, { title: `Письмо в защиту журналистов ${cyrWord}`, language: 'ru' });
    // An English letter with a Ukrainian version: found by the Ukrainian title, in any interface language.
    const english = await aLetter(t.db, { title: `Free the journalists ${suffix}` });
    await t.db.getRepository(LetterTranslation).save({
      letterId: english.id,
      language: 'uk',
      title: `Звільніть журналістів ${suffix} Київ`,
      summary: 'Лист',
      body: 'Текст',
      recipient: 'Міністр',
    });

    expect(await list(`/?q=${encodeURIComponent(`LIBERTE D’ELODIE ${suffix}`)}`)).toEqual([french.slug]);
    expect(await list(`/?q=${encodeURIComponent(`liberté d'élodie ${suffix}`)}`)).toEqual([french.slug]);
    expect(await list(`/?q=${encodeURIComponent(`ЗАЩИТУ ЖУРНАЛИСТОВ ${cyrWord}`)}`)).toEqual([russian.slug]);
    expect(await list(`/?q=${encodeURIComponent(`zhurnalistov ${latWord}`)}`)).toEqual([russian.slug]);
    expect(await list(`/?q=${encodeURIComponent(`журналістів ${suffix}`)}&lang=en`)).toEqual([english.slug]);
    // The card is in the reader's language where the letter has it.
    const page = await request(t.app)
      .get(`/?q=${encodeURIComponent(`журналістів ${suffix}`)}&lang=en`)
      .expect(200);
    expect(page.text).toContain(`Free the journalists ${suffix}`);
  });

  test('uses the trigram index of every language version', async () => {
    await t.db.query('ANALYZE letter_translations');
    // A test database holds a few hundred versions, where a scan is as quick: the plan is asked
    // as a large instance would make it.
    const plan = await t.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return tx.query<Array<{ 'QUERY PLAN': string }>>(
        `EXPLAIN SELECT 1 FROM letter_translations WHERE search_text LIKE '%' || signatory_search_key('liberte') || '%'`,
      );
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('letter_translations_search');
  });

  test('a search too short or too long says so in the reader language, with a 400 and no list', async () => {
    const short = await request(t.app).get('/?q=ab&lang=fr').expect(400);
    expect(short.text).toContain('Tapez au moins 3 lettres ou chiffres');
    expect(pageOf(short.text).slugs).toEqual([]);
    const long = await request(t.app)
      .get(`/?q=${'a'.repeat(101)}`)
      .expect(400);
    expect(long.text).toContain('at most 100 characters');
  });
});

describe('sorting and filters', () => {
  test('most signed, newest and closing soon order the letters', async () => {
    const word = tag();
    const a = await aTaggedLetter(word);
    const b = await aTaggedLetter(word);
    const c = await aTaggedLetter(word);
    await addCount(t.db, a.id, 'FR', 5);
    await addCount(t.db, b.id, 'FR', 50);
    await addCount(t.db, c.id, 'UA', 12);
    const day = 86_400_000;
    await t.db.query(`UPDATE letters SET closes_at = $2 WHERE id = $1`, [a.id, new Date(Date.now() + 2 * day)]);
    await t.db.query(`UPDATE letters SET closes_at = $2 WHERE id = $1`, [c.id, new Date(Date.now() + 9 * day)]);
    expect(await list(`/?q=${word}`)).toEqual([b.slug, c.slug, a.slug]);
    expect(await list(`/?q=${word}&sort=signed`)).toEqual([b.slug, c.slug, a.slug]);
    expect(await list(`/?q=${word}&sort=newest`)).toEqual([c.slug, b.slug, a.slug]);
    // Closing soon: the nearest deadline first, letters without one last.
    expect(await list(`/?q=${word}&sort=closing`)).toEqual([a.slug, c.slug, b.slug]);
    const page = await request(t.app).get(`/?q=${word}&sort=closing`).expect(200);
    expect(page.text).toContain('Open for signatures until');
    expect(page.text).toContain('50 verified signatures');
  });

  test('open, closed, delivered and answered each show their letters', async () => {
    const word = tag();
    const open = await aTaggedLetter(word);
    const closed = await aTaggedLetter(word, { status: 'closed' });
    const pastDeadline = await aTaggedLetter(word);
    await t.db.query(`UPDATE letters SET closes_at = now() - interval '1 day' WHERE id = $1`, [pastDeadline.id]);
    const delivered = await aTaggedLetter(word, { status: 'closed' });
    await t.db.query(
      `UPDATE letters SET delivered_at = now() - interval '2 days', delivered_to = 'The Minister' WHERE id = $1`,
      [delivered.id],
    );
    const answered = await aTaggedLetter(word, { status: 'closed' });
    await t.db.query(
      `INSERT INTO letter_responses (letter_id, responded_on, body, status, published_at) VALUES ($1, current_date, 'We will.', 'published', now())`,
      [answered.id],
    );
    // A response held for the owners is not an answer the public has seen.
    const held = await aTaggedLetter(word, { status: 'closed' });
    await t.db.query(
      `INSERT INTO letter_responses (letter_id, responded_on, body, status) VALUES ($1, current_date, 'Held.', 'pending')`,
      [held.id],
    );
    const sorted = (slugs: string[]) => [...slugs].sort();
    // The home page shows open letters unless asked otherwise.
    expect(await list(`/?q=${word}`)).toEqual([open.slug]);
    expect(await list(`/?q=${word}&filter=open`)).toEqual([open.slug]);
    expect(sorted(await list(`/?q=${word}&filter=closed`))).toEqual(
      sorted([closed.slug, pastDeadline.slug, delivered.slug, answered.slug, held.slug]),
    );
    expect(await list(`/?q=${word}&filter=delivered`)).toEqual([delivered.slug]);
    expect(await list(`/?q=${word}&filter=answered`)).toEqual([answered.slug]);
    expect(sorted(await list(`/?q=${word}&filter=all`))).toHaveLength(6);
  });

  test('unknown choices are a 400 with a message, never a server error', async () => {
    for (const q of [
      'sort=loudest',
      'filter=secret',
      'page=0',
      'page=abc',
      `page=${FINDING_MAX_PAGES + 1}`,
      'sort=a&sort=b',
    ]) {
      const res = await request(t.app).get(`/?${q}`).expect(400);
      expect(res.text).toContain('This list cannot be shown with these choices');
    }
    await request(t.app).get('/archive?sort=closing').expect(400);
    await request(t.app).get('/archive?filter=open').expect(400);
  });
});

test('following the pages shows each letter once, and no page is longer than a page', async () => {
  const word = tag();
  const made: string[] = [];
  for (let i = 0; i < FINDING_PAGE_SIZE + 5; i++) made.push((await aTaggedLetter(word)).slug);
  // Equal counts and creation times in one transaction would tie: the id settles the order.
  for (const sort of ['signed', 'newest', 'closing']) {
    const seen: string[] = [];
    let path: string | null = `/?q=${word}&sort=${sort}`;
    for (let pages = 0; path && pages < 10; pages++) {
      const res = await request(t.app).get(path).expect(200);
      const page = pageOf(res.text);
      expect(page.slugs.length).toBeLessThanOrEqual(FINDING_PAGE_SIZE);
      seen.push(...page.slugs);
      path = page.next;
    }
    expect(path).toBeNull();
    expect([...seen].sort()).toEqual([...made].sort());
  }
});

test('drafts and letters not yet approved are never listed, searched or archived', async () => {
  const word = tag();
  const draft = await aTaggedLetter(word, { status: 'draft' });
  const hidden: string[] = [draft.slug];
  for (const state of ['draft', 'submitted', 'changes_requested', 'rejected']) {
    for (const status of ['open', 'closed'] as const) {
      const l = await aTaggedLetter(word, { status });
      await t.db.query(`UPDATE letters SET review_state = $2 WHERE id = $1`, [l.id, state]);
      hidden.push(l.slug);
    }
  }
  const open = await aTaggedLetter(word);
  const approved = await aTaggedLetter(word, { status: 'closed' });
  await t.db.query(`UPDATE letters SET review_state = 'approved' WHERE id = $1`, [approved.id]);
  for (const path of [`/?q=${word}&filter=all`, `/?q=${word}`, `/archive?q=${word}`, `/?q=${word}&filter=closed`]) {
    for (const slug of hidden) expect(await list(path)).not.toContain(slug);
  }
  expect((await list(`/?q=${word}&filter=all`)).sort()).toEqual([open.slug, approved.slug].sort());
  expect(await list(`/archive?q=${word}`)).toEqual([approved.slug]);
  const sitemap = await request(t.app).get('/sitemap.xml').expect(200);
  expect(sitemap.text).toContain(open.slug);
  for (const slug of hidden) expect(sitemap.text).not.toContain(slug);
  const feed = await request(t.app).get('/feeds/letters.atom').expect(200);
  for (const slug of hidden) expect(feed.text).not.toContain(slug);
});

test('the archive keeps closed letters findable, with what came of them', async () => {
  const word = tag();
  const open = await aTaggedLetter(word);
  const delivered = await aTaggedLetter(word, { status: 'closed' });
  await t.db.query(
    `UPDATE letters SET closes_at = '2026-03-01T12:00:00Z', delivered_at = '2026-03-10T12:00:00Z', delivered_to = 'The Minister' WHERE id = $1`,
    [delivered.id],
  );
  await t.db.query(
    `INSERT INTO letter_responses (letter_id, responded_on, body, status, published_at) VALUES ($1, '2026-04-02', 'We will.', 'published', '2026-04-02T09:00:00Z')`,
    [delivered.id],
  );
  const silent = await aTaggedLetter(word, { status: 'closed' });
  const res = await request(t.app).get(`/archive?q=${word}`).expect(200);
  expect(pageOf(res.text).slugs.sort()).toEqual([delivered.slug, silent.slug].sort());
  expect(pageOf(res.text).slugs).not.toContain(open.slug);
  const on = (iso: string, lang: Language = 'en') => formatDate(new Date(iso), lang);
  expect(res.text).toContain(`Closed on ${on('2026-03-01T12:00:00Z')}`);
  expect(res.text).toContain(`Delivered on ${on('2026-03-10T12:00:00Z')}`);
  expect(res.text).toContain(`Response received on ${on('2026-04-02T09:00:00Z')}`);
  expect(res.text).toContain('Not delivered yet');
  expect(await list(`/archive?q=${word}&filter=answered`)).toEqual([delivered.slug]);
  // The home page links to it.
  expect((await request(t.app).get('/').expect(200)).text).toContain('href="/archive"');
  const fr = await request(t.app).get(`/archive?q=${word}&lang=fr`).expect(200);
  expect(fr.text).toContain(`Remise le ${on('2026-03-10T12:00:00Z', 'fr')}`);
});

test('a reader who has the page gets a 304', async () => {
  const first = await request(t.app).get('/archive').expect(200);
  expect(first.headers.etag).toBeTruthy();
  await request(t.app).get('/archive').set('If-None-Match', first.headers.etag).expect(304);
});
