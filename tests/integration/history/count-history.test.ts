import { foldCountDeltas } from '../../../src/core/letters/counts.service';
import { pruneCountHours } from '../../../src/features/history';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { confirmByLink, sign } from '../../support/journey';
import { aLetter, aSignature, anEmail, signForm } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp();

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface Period {
  start: string;
  end: string;
  resolution: 'hour' | 'day';
  change: number;
  total: number;
  countries: Record<string, { change: number | null; total: number }>;
}
interface History {
  letter: string;
  hourlyFrom: string;
  total: number;
  countries: Record<string, number | null>;
  fewerThan: number;
  periods: Period[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const hourOf = (ms: number) => iso(Math.floor(ms / HOUR_MS) * HOUR_MS);
const dayOf = (ms: number) => iso(Math.floor(ms / DAY_MS) * DAY_MS);

async function historyOf(letter: Pick<Letter, 'slug'>): Promise<History> {
  const res = await browser(t.app).agent.get(`/letters/${letter.slug}/history.json`).expect(200);
  return res.body as History;
}

describe('the count history', () => {
  const now = Date.now();
  let letter: Letter;

  beforeAll(async () => {
    letter = await aLetter(t.db);
    // Older than seven days: counted in days. Recent: counted in hours. Ukraine has five from the
    // first day (a country below five has no figure); France and Kazakhstan stay below five.
    for (let i = 0; i < 5; i++)
      await aSignature(t.db, letter, { country: 'UA', createdAt: new Date(now - 20 * DAY_MS) });
    await aSignature(t.db, letter, { country: 'FR', createdAt: new Date(now - 20 * DAY_MS + 60_000) });
    await aSignature(t.db, letter, { country: 'UA', createdAt: new Date(now - 12 * DAY_MS) });
    await aSignature(t.db, letter, { country: 'KZ', createdAt: new Date(now - 3 * HOUR_MS) });
    await aSignature(t.db, letter, { country: 'KZ', createdAt: new Date(now - 3 * HOUR_MS) });
    await aSignature(t.db, letter, { country: 'UA', createdAt: new Date(now - HOUR_MS) });
    // Neither held nor pending signatures count.
    await aSignature(t.db, letter, { country: 'UA', heldReason: 'burst-ip', createdAt: new Date(now - HOUR_MS) });
    await aSignature(t.db, letter, { country: 'UA', status: 'pending', createdAt: new Date(now - HOUR_MS) });
    await foldCountDeltas(t.db);
  });

  test('days before the last seven, hours since, every period from the first signature to now', async () => {
    const h = await historyOf(letter);
    expect(h.letter).toBe(letter.slug);
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    expect(h.hourlyFrom).toBe(iso(today - 7 * DAY_MS));
    expect(h.periods[0].start).toBe(dayOf(now - 20 * DAY_MS));
    const days = h.periods.filter((p) => p.resolution === 'day');
    const hours = h.periods.filter((p) => p.resolution === 'hour');
    expect(days).toHaveLength(13);
    expect(days.every((p) => Date.parse(p.end) - Date.parse(p.start) === DAY_MS)).toBe(true);
    expect(hours[0].start).toBe(h.hourlyFrom);
    expect(hours.every((p) => Date.parse(p.end) - Date.parse(p.start) === HOUR_MS)).toBe(true);
    expect(hours[hours.length - 1].start).toBe(hourOf(Date.now()));
    // Consecutive, no gap and no overlap, ISO 8601 UTC.
    for (let i = 1; i < h.periods.length; i++) expect(h.periods[i].start).toBe(h.periods[i - 1].end);
    for (const p of h.periods) expect(p.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);

    const at = (start: string) => h.periods.find((p) => p.start === start)!;
    expect(at(dayOf(now - 20 * DAY_MS))).toMatchObject({
      change: 6,
      total: 6,
      countries: { UA: { change: null, total: 5 } },
    });
    expect(at(dayOf(now - 12 * DAY_MS))).toMatchObject({
      change: 1,
      total: 7,
      countries: { UA: { change: 1, total: 6 } },
    });
    expect(at(hourOf(now - 3 * HOUR_MS))).toMatchObject({ change: 2, total: 9, countries: {} });
    expect(at(hourOf(now - HOUR_MS))).toMatchObject({
      change: 1,
      total: 10,
      countries: { UA: { change: 1, total: 7 } },
    });
    expect(at(dayOf(now - 10 * DAY_MS))).toEqual({
      start: dayOf(now - 10 * DAY_MS),
      end: dayOf(now - 9 * DAY_MS),
      resolution: 'day',
      change: 0,
      total: 7,
      countries: {},
    });
  });

  test('the cumulative total is the running sum of the changes and ends at the verified count', async () => {
    const h = await historyOf(letter);
    let sum = 0;
    for (const p of h.periods) {
      sum += p.change;
      expect(p.total).toBe(sum);
    }
    expect(h.total).toBe(10);
    expect(h.countries).toEqual({ FR: null, KZ: null, UA: 7 });
    expect(h.fewerThan).toBe(5);
    const json = await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200);
    expect(json.body.signatureCount).toBe(h.total);
  });

  test('the CSV holds the same figures, a row for all countries and one per country that changed', async () => {
    const res = await browser(t.app).agent.get(`/letters/${letter.slug}/history.csv`).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename=${letter.slug}-history.csv`);
    expect(res.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=5');
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('start,end,resolution,country,change,total');
    const start = dayOf(now - 20 * DAY_MS);
    const end = dayOf(now - 19 * DAY_MS);
    expect(lines.slice(1, 4)).toEqual([
      `${start},${end},day,,6,6`,
      `${start},${end},day,UA,not given,5`,
      `${dayOf(now - 19 * DAY_MS)},${dayOf(now - 18 * DAY_MS)},day,,0,6`,
    ]);
    const recent = hourOf(now - 3 * HOUR_MS);
    expect(lines).toContain(`${recent},${iso(Date.parse(recent) + HOUR_MS)},hour,,2,9`);
    expect(lines.filter((l) => /,(FR|KZ),/.test(l))).toEqual([]);
    expect(lines[lines.length - 1]).toMatch(/,hour,(UA)?,\d+,(7|10)$/);
  });
});

test('a withdrawal and an invalidation subtract in the hour they happen, from their country', async () => {
  const organiser = await anOrganiser(t.db);
  const letter = await aLetterOf(t.db, organiser, 'owner', { status: 'open' });
  const old = await aSignature(t.db, letter, { country: 'FR', createdAt: new Date(Date.now() - 10 * DAY_MS) });
  for (let i = 0; i < 5; i++)
    await aSignature(t.db, letter, { country: 'FR', createdAt: new Date(Date.now() - 10 * DAY_MS) });
  // Signed and confirmed by its email link, then withdrawn from the link in that email.
  const email = anEmail('withdraws');
  expect((await sign(t.app, letter.slug, signForm({ email, country: 'UA' }))).status).toBe(303);
  const [mail] = await t.smtp.waitFor(email);
  expect((await confirmByLink(t.app, linkFrom(mail, '/s/confirm/'))).status).toBe(200);
  const w = browser(t.app);
  const withdraw = await w.agent.get(new URL(linkFrom(mail, '/s/withdraw/')).pathname).expect(200);
  const action = /<form method="post" action="([^"]+)"/.exec(withdraw.text)![1].replace(/&amp;/g, '&');
  const token = /name="_csrf" value="([^"]+)"/.exec(withdraw.text)![1];
  await w.agent.post(action).type('form').send({ _csrf: token }).expect(200);
  // An organiser invalidates a signature made ten days ago.
  const o = await signInAs(t.app, t.smtp, organiser.email);
  const dashboard = `/organise/letters/${letter.slug}`;
  expect(
    (
      await postForm(o, dashboard, `${dashboard}/signatures/${old.id}/invalidate`, {
        category: 'fake-name',
        reason: 'Not a person',
      })
    ).status,
  ).toBe(303);

  const h = await historyOf(letter);
  const thisHour = h.periods.find((p) => p.start === hourOf(Date.now()))!;
  // +1 UA confirmed, −1 UA withdrawn, −1 FR invalidated: the hour's net change is −1.
  expect(thisHour.change).toBe(-1);
  expect(thisHour.countries).toEqual({ FR: { change: -1, total: 5 } });
  const tenDaysAgo = h.periods.find((p) => p.start === dayOf(Date.now() - 10 * DAY_MS))!;
  expect(tenDaysAgo).toMatchObject({ change: 6, total: 6 }); // the past stays as it was
  expect(h.total).toBe(5);
  expect(h.countries).toEqual({ FR: 5 });
});

test('a country below five has no figure: not now, not in a period, and no change that would give the one it had', async () => {
  const letter = await aLetter(t.db);
  const day = (n: number) => `(now() AT TIME ZONE 'UTC')::date - ${n}`;
  // Kazakhstan: 3, then 6 (reaches five), then 4 (falls below), then 7. Iceland: 1 and stays there.
  for (const [n, country, delta] of [
    [30, 'KZ', 3],
    [30, 'IS', 1],
    [20, 'KZ', 3],
    [15, 'KZ', -2],
    [10, 'KZ', 3],
    [9, 'KZ', 1],
  ] as const)
    await t.db.query(`INSERT INTO letter_count_days (letter_id, day, country, delta) VALUES ($1, ${day(n)}, $2, $3)`, [
      letter.id,
      country,
      delta,
    ]);
  const h = await historyOf(letter);
  expect(h.countries).toEqual({ IS: null, KZ: 8 });
  expect(h.fewerThan).toBe(5);
  const at = (n: number) => h.periods.find((p) => p.start === dayOf(Date.now() - n * DAY_MS))!;
  expect(at(30)).toMatchObject({ change: 4, total: 4, countries: {} });
  expect(at(20)).toMatchObject({ change: 3, total: 7, countries: { KZ: { change: null, total: 6 } } });
  expect(at(15)).toMatchObject({ change: -2, total: 5, countries: {} });
  expect(at(10)).toMatchObject({ change: 3, total: 8, countries: { KZ: { change: null, total: 7 } } });
  expect(at(9)).toMatchObject({ change: 1, total: 9, countries: { KZ: { change: 1, total: 8 } } });
  const csv = (await browser(t.app).agent.get(`/letters/${letter.slug}/history.csv`).expect(200)).text;
  expect(csv).not.toMatch(/,IS,/);
  expect(csv.split('\r\n').filter((l) => l.includes(',KZ,'))).toEqual([
    `${dayOf(Date.now() - 20 * DAY_MS)},${dayOf(Date.now() - 19 * DAY_MS)},day,KZ,not given,6`,
    `${dayOf(Date.now() - 10 * DAY_MS)},${dayOf(Date.now() - 9 * DAY_MS)},day,KZ,not given,7`,
    `${dayOf(Date.now() - 9 * DAY_MS)},${dayOf(Date.now() - 8 * DAY_MS)},day,KZ,1,8`,
  ]);
});

test('a strong ETag, and 304 for a reader who has the bytes', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter);
  for (const path of [`/letters/${letter.slug}/history.json`, `/letters/${letter.slug}/history.csv`]) {
    const first = await browser(t.app).agent.get(path).expect(200);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=5');
    const again = await browser(t.app).agent.get(path).set('If-None-Match', etag).expect(304);
    expect(again.text ?? '').toBe('');
  }
  const json = await browser(t.app).agent.get(`/letters/${letter.slug}/history.json`).expect(200);
  expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
});

test('a draft letter and an unknown one have no history', async () => {
  const draft = await aLetter(t.db, { status: 'draft' });
  await aSignature(t.db, draft);
  for (const slug of [draft.slug, 'no-such-letter-here']) {
    for (const ext of ['json', 'csv']) {
      const res = await browser(t.app)
        .agent.get(`/letters/${slug}/history.${ext}`)
        .set('Accept', 'application/json')
        .expect(404);
      expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    }
  }
  const empty = await aLetter(t.db);
  const h = await historyOf(empty);
  expect(h).toMatchObject({ total: 0, countries: {}, periods: [] });
  const csv = await browser(t.app).agent.get(`/letters/${empty.slug}/history.csv`).expect(200);
  expect(csv.text).toBe('start,end,resolution,country,change,total\r\n');
});

test('the history reads the folded history table and the unfolded deltas, never a signature', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, { country: 'UA', createdAt: new Date(Date.now() - 2 * DAY_MS) });
  await foldCountDeltas(t.db);
  await aSignature(t.db, letter, { country: 'UA' }); // not folded yet… unless the worker's fold came first
  // With the signatures locked against every reader, the history still answers at once.
  const qr = t.db.createQueryRunner();
  await qr.connect();
  await qr.startTransaction();
  try {
    await qr.query('LOCK TABLE signatures IN ACCESS EXCLUSIVE MODE');
    const res = await browser(t.app).agent.get(`/letters/${letter.slug}/history.json`).timeout(5000).expect(200);
    expect((res.body as History).total).toBe(2);
  } finally {
    await qr.rollbackTransaction();
    await qr.release();
  }
  // The figures are the history tables': rows added there (and nowhere else) show, days from the
  // days table and the last week's hours from the hours table.
  await new Promise((r) => setTimeout(r, 1100));
  await t.db.query(
    `INSERT INTO letter_count_days (letter_id, day, country, delta) VALUES ($1, (now() AT TIME ZONE 'UTC')::date - 30, 'PL', 5)`,
    [letter.id],
  );
  await t.db.query(
    `INSERT INTO letter_count_hours (letter_id, hour, country, delta) VALUES ($1, date_trunc('hour', now(), 'UTC'), 'PL', 1)`,
    [letter.id],
  );
  const h = await historyOf(letter);
  expect(h.total).toBe(8);
  expect(h.countries).toEqual({ PL: 6, UA: null });
  expect(h.periods[0]).toMatchObject({ resolution: 'day', change: 5, countries: { PL: { change: null, total: 5 } } });
  expect(h.periods[h.periods.length - 1].countries.PL).toEqual({ change: 1, total: 6 });
});

test('the letter page draws the count over time, with the figures in words, and links the open data', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, { createdAt: new Date(Date.now() - 9 * DAY_MS) });
  for (let i = 0; i < 1234; i += 617) {
    await t.db.query(
      `INSERT INTO signature_count_deltas (letter_id, country, delta, at) VALUES ($1, 'FR', 617, now() - interval '2 days')`,
      [letter.id],
    );
  }
  const page = await browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
  const figure = /<figure class="count-history"[\s\S]*?<\/figure>/.exec(page.text)?.[0] ?? '';
  expect(figure).toContain('<svg');
  expect(figure).toContain('role="img"');
  const desc = /<desc[^>]*>([^<]*)<\/desc>/.exec(figure)?.[1] ?? '';
  const day = (ms: number) =>
    new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(ms));
  expect(desc).toContain(`${day(Date.now() - 2 * DAY_MS)}: 1,235`);
  expect(desc).toContain(`${day(Date.now() - 9 * DAY_MS)}: 1`);
  expect(page.text).toContain(`href="/letters/${letter.slug}/history.json"`);
  expect(page.text).toContain(`href="/letters/${letter.slug}/history.csv"`);

  // In the page's language: Ukrainian digits grouping and month names.
  const uk = await browser(t.app).agent.get(`/letters/${letter.slug}`).set('Accept-Language', 'uk').expect(200);
  const ukDay = new Intl.DateTimeFormat('uk', { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(Date.now() - 2 * DAY_MS),
  );
  expect(uk.text).toContain(`${ukDay}: ${new Intl.NumberFormat('uk').format(1235)}`);

  const integrity = await browser(t.app).agent.get(`/letters/${letter.slug}/integrity`).expect(200);
  expect(integrity.text).toContain(`href="/letters/${letter.slug}/history.json"`);
  expect(integrity.text).toContain(`href="/letters/${letter.slug}/history.csv"`);
});

test('hours older than the hourly week are pruned, and the history stays the same, read from the days', async () => {
  const letter = await aLetter(t.db);
  await aSignature(t.db, letter, { country: 'UA', createdAt: new Date(Date.now() - 30 * DAY_MS) });
  await aSignature(t.db, letter, { country: 'UA', createdAt: new Date(Date.now() - 2 * HOUR_MS) });
  await foldCountDeltas(t.db);
  const before = await historyOf(letter);
  const pruned = await pruneCountHours(t.db);
  expect(pruned).toBeGreaterThanOrEqual(1);
  const [{ n }] = await t.db.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM letter_count_hours WHERE letter_id = $1`,
    [letter.id],
  );
  expect(Number(n)).toBe(1);
  await new Promise((r) => setTimeout(r, 1100));
  expect(await historyOf(letter)).toEqual(before);
});
