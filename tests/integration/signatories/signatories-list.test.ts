import crypto from 'node:crypto';
import request from 'supertest';
import { Signature } from '../../../src/features/signatures/signature.entity';
import {
  encodeCursor,
  NO_SIGNATORIES_FILTERS,
  signatoriesPage,
  type SignatoriesCursor,
  type SignatoriesFilters,
} from '../../../src/features/signatories';
import type { Language } from '../../../src/core/letters/letter.entity';
import { aLetter, aSignature } from '../../support/factories';
import { startTestApp, type TestApp } from '../../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { worker: false });
});
afterAll(async () => {
  await t.close();
});

const list = (slug: string, query: Record<string, string> = {}) =>
  request(t.app).get(`/letters/${slug}/signatories`).query(query);

/** A small seeded generator, so that a failing case can be run again. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Ірина Бондаренко', 'Айгерім Қасымқызы', 'Lefèvre Anne', 'Ölmez Ayşe', 'Ёлкин Пётр', 'Зәуре Өмір'];

/** Every page of the list, walked by its "next" cursors, then back by its "previous" ones. */
async function walk(
  letterId: string,
  order: 'newest' | 'name',
  lang: Language,
  filters: SignatoriesFilters,
  limit: number,
) {
  const forwards: string[][] = [];
  let cursor: SignatoriesCursor | null = null;
  for (;;) {
    const page = await signatoriesPage(t.db, { letterId, order, lang, filters, cursor, limit });
    forwards.push(page.rows.map((r) => r.id));
    if (!page.next) break;
    cursor = page.next;
    if (forwards.length > 1000) throw new Error('the list does not end');
  }
  // And back from the last page: the same pages, in reverse.
  const backwards: string[][] = [];
  let page = await signatoriesPage(t.db, {
    letterId,
    order,
    lang,
    filters,
    cursor: forwards.length > 1 ? { ...(await lastCursor()), side: 'after' } : null,
    limit,
  });
  async function lastCursor(): Promise<SignatoriesCursor> {
    // The cursor of the last row of the page before the last one.
    let c: SignatoriesCursor | null = null;
    let p = await signatoriesPage(t.db, { letterId, order, lang, filters, cursor: c, limit });
    for (let i = 0; i < forwards.length - 2; i++) {
      c = p.next;
      p = await signatoriesPage(t.db, { letterId, order, lang, filters, cursor: c, limit });
    }
    return p.next!;
  }
  backwards.unshift(page.rows.map((r) => r.id));
  while (page.previous) {
    page = await signatoriesPage(t.db, { letterId, order, lang, filters, cursor: page.previous, limit });
    backwards.unshift(page.rows.map((r) => r.id));
  }
  return { forwards, backwards };
}

test('over random visibilities and states, the pages show every public signature exactly once and nothing else, both ways, in every order', async () => {
  for (const seed of [1, 2, 3]) {
    const rnd = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const letter = await aLetter(t.db);
    // Many rows share a confirmation time, and many a public name: the cursor's id breaks the ties.
    const times = Array.from({ length: 6 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i, 12, 0, 0, 123)));
    const made: Signature[] = [];
    const n = 40 + Math.floor(rnd() * 60);
    for (let i = 0; i < n; i++) {
      made.push(
        await aSignature(t.db, letter, {
          fullName: pick(NAMES),
          visibility: pick(['public', 'initials', 'private'] as const),
          status: pick(['confirmed', 'confirmed', 'confirmed', 'pending', 'invalidated'] as const),
          heldReason: rnd() < 0.1 ? 'burst-ip' : null,
          hidden: rnd() < 0.1,
          signedAs: pick(['individual', 'organisation'] as const),
          organisation: 'Amnesty',
          country: pick(['UA', 'KZ', 'FR']),
          source: pick(['online', 'paper'] as const),
          createdAt: pick(times),
        }),
      );
    }
    const isPublic = (s: Signature) =>
      s.status === 'confirmed' && !s.heldReason && !s.hidden && s.visibility !== 'private';
    for (const [order, lang] of [
      ['newest', 'en'],
      ['name', 'kk'],
      ['name', 'en'],
    ] as const) {
      for (const filters of [
        NO_SIGNATORIES_FILTERS,
        { ...NO_SIGNATORIES_FILTERS, country: 'KZ', source: 'paper' as const },
      ]) {
        const expected = made
          .filter(isPublic)
          .filter((s) => !filters.country || (s.country === filters.country && s.source === filters.source))
          .map((s) => s.id)
          .sort();
        const limit = 1 + Math.floor(rnd() * 9);
        const { forwards, backwards } = await walk(letter.id, order, lang, filters, limit);
        const seen = forwards.flat();
        expect([...seen].sort()).toEqual(expected);
        expect(new Set(seen).size).toBe(seen.length);
        expect(backwards).toEqual(forwards.filter((p) => p.length > 0));
      }
    }
  }
});

test('the page shows names as the signers chose: full name with city, initials without, private never', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, {
    fullName: 'Олена Публічна',
    visibility: 'public',
    city: 'Київ',
    organisation: 'Вільні',
  });
  await aSignature(t.db, letter, {
    fullName: 'Айгерім Қасымқызы',
    visibility: 'initials',
    city: 'Алматы',
    organisation: 'Секрет',
  });
  await aSignature(t.db, letter, { fullName: 'Пётр Приватный', visibility: 'private', city: 'Тверь' });
  const res = await list(letter.slug).expect(200);
  expect(res.text).toContain('Олена Публічна');
  expect(res.text).toContain('Київ');
  expect(res.text).toContain('Вільні');
  expect(res.text).toContain('А. Қ.');
  for (const hidden of ['Айгерім', 'Алматы', 'Секрет', 'Пётр', 'Приватный', 'Тверь'])
    expect(res.text).not.toContain(hidden);
  // Noindex by default, and the letter page stays indexable.
  expect(res.text).toContain('<meta name="robots" content="noindex');
  const page = await request(t.app).get(`/letters/${letter.slug}`).expect(200);
  expect(page.text).not.toContain('name="robots"');
});

test('search ignores case and accents, reads Kazakh typed on a Russian keyboard, and finds initials-only signers by their initials only', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, { fullName: 'Anne Lefèvre', visibility: 'public' });
  await aSignature(t.db, letter, { fullName: 'Жанар Қасымқызы', visibility: 'public' });
  await aSignature(t.db, letter, { fullName: 'Айгерім Өмірбек', visibility: 'initials' });
  await aSignature(t.db, letter, { fullName: 'Мария Скрытая', visibility: 'private' });
  await aSignature(t.db, letter, {
    fullName: 'Сарсен Ұлы',
    visibility: 'public',
    organisation: 'Һалық үні',
    signedAs: 'organisation',
  });
  // The rows only: the search box shows what was typed.
  const search = async (q: string) =>
    /<ol class="names signatories-list">[\s\S]*?<\/ol>/.exec((await list(letter.slug, { q }).expect(200)).text)?.[0] ??
    '';

  expect(await search('lefevre')).toContain('Anne Lefèvre');
  expect(await search('LEFÈVRE')).toContain('Anne Lefèvre');
  expect(await search('касымкызы')).toContain('Жанар Қасымқызы');
  expect(await search('ҚАСЫМ')).toContain('Жанар Қасымқызы');
  expect(await search('халык')).toContain('Һалық үні');
  // The initials signer: found by "А. Ө.", never by what they typed.
  expect(await search('А. Ө.')).toContain('А. Ө.');
  expect(await search('Айгерім')).not.toContain('А. Ө.');
  expect(await search('Өмірбек')).not.toContain('А. Ө.');
  expect(await search('омирбек')).not.toContain('А. Ө.');
  // A private signer is never found.
  expect(await search('Мария')).not.toContain('Мария');
  expect(await search('lefevre')).not.toContain('Жанар');
});

test('a search of several words finds exactly the rows whose folded name and organisation hold it, in every order, page after page', async () => {
  const letter = await aLetter(t.db);
  const rnd = random(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const FIRST = ['Anne', 'Ірина', 'Жанар', 'Айгерім', 'Jean-Luc', "O'Brien"];
  const LAST = ['Lefèvre', 'Бондаренко', 'Қасымқызы', 'Өмірбек', 'Lefebvre', 'Бондар'];
  for (let i = 0; i < 120; i++)
    await aSignature(t.db, letter, {
      fullName: `${pick(FIRST)} ${pick(LAST)} ${1000 + Math.floor(rnd() * 40)}`,
      visibility: pick(['public', 'public', 'initials', 'private'] as const),
      signedAs: pick(['individual', 'organisation'] as const),
      organisation: pick(['Amnesty International', 'Һалық үні', null]),
      createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, Math.floor(rnd() * 20))),
    });
  // And one of each that the queries below look for.
  await aSignature(t.db, letter, { fullName: 'Ірина Бондаренко 1012', visibility: 'public' });
  await aSignature(t.db, letter, {
    fullName: 'Жанар Қасымқызы 1003',
    visibility: 'public',
    organisation: 'Amnesty International',
  });
  await aSignature(t.db, letter, {
    fullName: 'Anne Lefèvre 1003',
    visibility: 'initials',
    signedAs: 'organisation',
    organisation: 'Amnesty International',
  });
  await aSignature(t.db, letter, { fullName: 'Айгерім Қасымқызы 1', visibility: 'initials' });
  // What "anywhere in the name" means, said the plainest way (every public row of the letter read).
  const expected = async (q: string): Promise<string[]> =>
    (
      await t.db.query<Array<{ id: string }>>(
        `SELECT s.id FROM signatures s
          WHERE s.letter_id = $1 AND s.status = 'confirmed' AND s.held_reason IS NULL AND NOT s.hidden
            AND s.visibility <> 'private'
            AND position(signatory_search_key($2) IN signatory_search_text(s.full_name, s.visibility, s.signed_as, s.organisation)) > 0`,
        [letter.id, q],
      )
    )
      .map((r) => r.id)
      .sort();
  const queries = [
    'anne lefevre', // two whole words
    'nne lefè', // the end of one word and the start of the next
    'ірина бондаренко 10', // a whole word, then a start too short to narrow
    'бондаренко 1012', // a word and part of a number
    'касымкызы 1003 amnesty', // into the organisation
    'lefevre 1003 amnesty international', // the organisation's two words (not this initials signer's)
    'а л 1 amnesty', // an initials signer's organisation
    'brien lefebvre', // after punctuation
    'jean luc', // a hyphenated name
    'ar bondar', // no such row
    'ne le', // short words only: the trigrams
    'а қ 1', // initials
  ];
  const found: Record<string, number> = {};
  for (const q of queries) {
    const want = await expected(q);
    found[q] = want.length;
    for (const [order, lang] of [
      ['newest', 'en'],
      ['name', 'kk'],
    ] as const) {
      const { forwards } = await walk(letter.id, order, lang, { ...NO_SIGNATORIES_FILTERS, q }, 7);
      expect({ q, order, rows: forwards.flat().sort() }).toEqual({ q, order, rows: want });
    }
  }
  // Most queries do find rows (a test of nothing would pass too).
  // Most queries do find rows (a test of nothing would pass too).
  expect(Object.values(found).filter((n) => n > 0).length).toBeGreaterThanOrEqual(9);
});

test('by name sorts in the collation of the reader: in Kazakh, Ә follows А', async () => {
  const letter = await aLetter(t.db);
  for (const fullName of ['Бекзат', 'Әлия', 'Азамат', 'Ғалым', 'Гүл'])
    await aSignature(t.db, letter, { fullName, visibility: 'public' });
  const page = await signatoriesPage(t.db, {
    letterId: letter.id,
    order: 'name',
    lang: 'kk',
    filters: NO_SIGNATORIES_FILTERS,
    cursor: null,
  });
  expect(page.rows.map((r) => r.name)).toEqual(['Азамат', 'Әлия', 'Бекзат', 'Гүл', 'Ғалым']);
  const res = await list(letter.slug, { order: 'name', lang: 'kk' }).expect(200);
  const order = ['Азамат', 'Әлия', 'Бекзат', 'Гүл', 'Ғалым'].map((n) => res.text.indexOf(n));
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test('pages link to each other with the filters kept in the URL, 50 a page', async () => {
  const letter = await aLetter(t.db);
  const base = Date.UTC(2026, 1, 1);
  for (let i = 0; i < 53; i++)
    await aSignature(t.db, letter, {
      fullName: `Person ${String(i).padStart(2, '0')}`,
      country: 'FR',
      createdAt: new Date(base + i * 1000),
    });
  await aSignature(t.db, letter, { fullName: 'Elsewhere Person', country: 'UA', createdAt: new Date(base + 100_000) });
  const first = await list(letter.slug, { country: 'FR' }).expect(200);
  expect((first.text.match(/<li[ >]/g) ?? []).length).toBeGreaterThanOrEqual(50);
  expect(first.text).toContain('Person 52');
  expect(first.text).not.toContain('Elsewhere');
  const next = /<a href="([^"]+)" rel="next">/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
  expect(next).toContain('country=FR');
  const second = await request(t.app).get(next!).expect(200);
  expect(second.text).toContain('Person 00');
  expect(second.text).not.toContain('Person 52');
  expect(second.text).toMatch(/rel="prev"/);
  expect(second.text).not.toMatch(/rel="next"/);
});

test('the letter page links to the list with its total, and the letter JSON says where the list is', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, { visibility: 'public' });
  await aSignature(t.db, letter, { visibility: 'initials' });
  await aSignature(t.db, letter, { visibility: 'private' });
  const page = await request(t.app).get(`/letters/${letter.slug}`).expect(200);
  expect(page.text).toContain(`href="/letters/${letter.slug}/signatories"`);
  expect(page.text).toContain('See all 2 public signatories');
  const json = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
  expect(json.body.signatories).toEqual({
    url: `http://undersigned.test/letters/${letter.slug}/signatories`,
    total: 2,
  });
});

test('robots.txt keeps crawlers out of the lists', async () => {
  const res = await request(t.app).get('/robots.txt').expect(200);
  expect(res.text).toContain('Disallow: /letters/*/signatories');
});

test('bad input gets a 400 and a message in the reader language', async () => {
  const letter = await aLetter(t.db);
  const short = await list(letter.slug, { q: 'ab', lang: 'fr' }).expect(400);
  expect(short.text).toContain('Tapez au moins 3 lettres');
  const cursor = encodeCursor({ side: 'after', key: 'not a time', id: crypto.randomUUID() });
  const bad = await list(letter.slug, { page: cursor, lang: 'ru' }).expect(400);
  expect(bad.text).toContain('Этот адрес списка недействителен');
  await list(letter.slug, { order: 'random' }).expect(400);
  await list(letter.slug, { country: 'XX' }).expect(400);
  await request(t.app).get('/letters/no-such-letter/signatories').expect(404);
});
