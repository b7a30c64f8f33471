import { NAME_COLLATIONS } from '../../../src/features/signatories/signatories.service';
import {
  NO_SIGNATORIES_FILTERS,
  signatoriesPageQuery,
  shownCommentsQuery,
  type SignatoriesFilters,
} from '../../../src/features/signatories';
import type { Language } from '../../../src/core/letters/letter.entity';
import { aLetter } from '../../support/factories';
import { startTestApp, type TestApp } from '../../support/test-app';

/**
 * The list never reads `signatures` with a sequential scan: on a letter of 100,000 rows (and a
 * second letter beside it), every order, filter, search and page cursor is planned with
 * enable_seqscan off, and no plan may fall back to one. A plan that had no index to use would
 * keep the Seq Scan (at a huge cost) rather than fail, which is what this looks for.
 */
const ROWS = 100_000;
let t: TestApp;
let letterId: string;
beforeAll(async () => {
  t = await startTestApp({}, { worker: false });
  const letter = await aLetter(t.db);
  const other = await aLetter(t.db);
  letterId = letter.id;
  for (const id of [letter.id, other.id])
    await t.db.query(
      `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status,
                               confirmed_at, signed_as, source, text_language, text_version, organisation,
                               comment, comment_status, comment_approved_at)
       SELECT $1, (ARRAY['Ірина', 'Айгерім', 'Anne', 'Пётр', 'Жанар'])[1 + i % 5] || ' ' ||
                  (ARRAY['Бондаренко', 'Қасымқызы', 'Lefèvre', 'Иванов', 'Smith', 'Өмірбек'])[1 + i % 6] || ' ' || i,
              'p' || i || '@example.org', 'p' || i || '@example.org',
              (ARRAY['UA', 'KZ', 'FR', 'DE', 'RU'])[1 + i % 5],
              (ARRAY['public', 'initials', 'private'])[1 + i % 3], 'en',
              CASE WHEN i % 17 = 0 THEN 'pending' ELSE 'confirmed' END,
              now() - make_interval(secs => i), CASE WHEN i % 11 = 0 THEN 'organisation' ELSE 'individual' END,
              CASE WHEN i % 13 = 0 THEN 'paper' ELSE 'online' END, 'en', 1 + i % 2, 'Org ' || (i % 100),
              CASE WHEN i % 40 = 0 THEN 'Because ' || i END,
              CASE WHEN i % 80 = 0 THEN 'approved' WHEN i % 40 = 0 THEN 'pending' END,
              CASE WHEN i % 80 = 0 THEN now() - make_interval(secs => i) END
         FROM generate_series(1, $2::int) AS i`,
      [id, ROWS],
    );
  await t.db.query('ANALYZE signatures');
}, 300_000);
afterAll(async () => {
  await t.close();
});

async function plan(order: 'newest' | 'name', lang: Language, filters: SignatoriesFilters, withCursor: boolean) {
  const cursor = withCursor
    ? order === 'newest'
      ? { key: '2026-01-01T00:00:00.000000', id: '00000000-0000-4000-8000-000000000000', side: 'after' as const }
      : { key: 'Айгерім', id: '00000000-0000-4000-8000-000000000000', side: 'before' as const }
    : null;
  return explain(signatoriesPageQuery({ letterId, order, lang, filters, cursor }));
}

async function explain({ text, values }: { text: string; values: unknown[] }): Promise<string> {
  const qr = t.db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    await qr.query('SET LOCAL enable_seqscan = off');
    const [row] = (await qr.query(`EXPLAIN (FORMAT JSON) ${text}`, values)) as Array<{ 'QUERY PLAN': unknown }>;
    await qr.rollbackTransaction();
    return JSON.stringify(row['QUERY PLAN']);
  } finally {
    await qr.release();
  }
}

const LANGUAGES: Language[] = ['en', 'fr', 'ru', 'uk', 'kk'];

const FILTERS: Array<[string, SignatoriesFilters]> = [
  ['no filter', NO_SIGNATORIES_FILTERS],
  ['organisations', { ...NO_SIGNATORIES_FILTERS, signedAs: 'organisation' }],
  ['individuals', { ...NO_SIGNATORIES_FILTERS, signedAs: 'individual' }],
  ['a country', { ...NO_SIGNATORIES_FILTERS, country: 'KZ' }],
  ['paper', { ...NO_SIGNATORIES_FILTERS, source: 'paper' }],
  ['a text version', { ...NO_SIGNATORIES_FILTERS, text: { language: 'en', version: 2 } }],
  ['a search', { ...NO_SIGNATORIES_FILTERS, q: 'касымкызы' }],
  ['a search by initials', { ...NO_SIGNATORIES_FILTERS, q: 'А. Ө.' }],
  ['a search of a name and part of a number', { ...NO_SIGNATORIES_FILTERS, q: 'бондаренко 1234' }],
  ['with a comment', { ...NO_SIGNATORIES_FILTERS, comments: true }],
  ['with a comment, from a country', { ...NO_SIGNATORIES_FILTERS, comments: true, country: 'KZ' }],
  [
    'everything at once',
    {
      signedAs: 'individual',
      country: 'UA',
      source: 'online',
      text: { language: 'en', version: 1 },
      q: 'lefevre',
      comments: false,
    },
  ],
];

describe.each(FILTERS)('with %s', (_name, filters) => {
  test.each([
    ['newest', 'en', false],
    ['newest', 'en', true],
    ...LANGUAGES.flatMap((lang) => [['name', lang, false] as const, ['name', lang, true] as const]),
  ] as const)('ordered %s (%s, cursor: %s), the plan reads signatures through an index', async (order, lang, c) => {
    const p = await plan(order, lang, filters, c);
    expect(p).not.toContain('Seq Scan');
    // And one of the list's own indexes (any index on letter_id would avoid the Seq Scan, slowly).
    expect(p).toMatch(/"Index Name": ?"signatories_/);
  });
});

test.each([
  ['a name and part of a number', 'бондаренко 1234'],
  ['the end of a word, a word and the start of one', 'рина бондаренко 123'],
  ['two words typed accented', 'Lefèvre 4321'],
])(
  'a search of %s finds its rows through the index of whole words, then sorts them (never walking the letter in its order)',
  async (_name, q) => {
    // From the first page, and from a page in the middle of the letter (a cursor past which half
    // the letter lies: walking it in order would read those rows one by one).
    const [{ key, id }] = await t.db.query<Array<{ key: string; id: string }>>(
      `SELECT to_char(confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS key, id::text AS id
         FROM signatures WHERE letter_id = $1 AND status = 'confirmed' ORDER BY confirmed_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [letterId, ROWS / 2],
    );
    for (const [order, lang] of [
      ['newest', 'en'],
      ['name', 'kk'],
    ] as const)
      for (const cursor of [null, ...(order === 'newest' ? [{ key, id, side: 'after' as const }] : [])]) {
        const p = await explain(
          signatoriesPageQuery({ letterId, order, lang, filters: { ...NO_SIGNATORIES_FILTERS, q }, cursor }),
        );
        expect(p).toMatch(/"Index Name": ?"signatories_search_words"/);
        expect(p).not.toMatch(/"Index Name": ?"signatories_(newest|name_[a-z]+)"/);
        expect(p).not.toContain('Seq Scan');
        // And no parallel workers, which cost more to start than the few rows do to read.
        expect(p).not.toMatch(/"Node Type": ?"Gather/);
      }
  },
);

test('the "with a comment" filter, newest first, walks its own index of approved comments', async () => {
  for (const withCursor of [false, true]) {
    const p = await plan('newest', 'en', { ...NO_SIGNATORIES_FILTERS, comments: true }, withCursor);
    expect(p).not.toContain('Seq Scan');
    expect(p).toMatch(/"Index Name": ?"signatories_newest_commented"/);
  }
});

test('the wall of approved comments (and its pages) walks its own index too', async () => {
  for (const cursor of [null, '2026-01-01T00:00:00.000000.00000000-0000-4000-8000-000000000000']) {
    const p = await explain(shownCommentsQuery(letterId, { limit: 30, cursor }));
    expect(p).not.toContain('Seq Scan');
    expect(p).toMatch(/"Index Name": ?"signature_comments_approved"/);
  }
});

test.each(LANGUAGES.flatMap((lang) => [[lang, false] as const, [lang, true] as const]))(
  'by name in %s (cursor: %s), the page walks the index of its own collation, without sorting',
  async (lang, c) => {
    const p = await plan('name', lang, NO_SIGNATORIES_FILTERS, c);
    const collation = NAME_COLLATIONS[lang].split('-')[0];
    expect(p).toMatch(new RegExp(`"Index Name": ?"signatories_name_${collation}"`));
    expect(p).not.toContain('"Node Type": "Sort"');
  },
);
