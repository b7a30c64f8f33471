import { CountHistory1764400200000 } from '../../../migrations/1764400200000-CountHistory';
import { foldCountDeltas, verifiedCount } from '../../../src/core/letters/counts.service';
import { aLetter, aSignature } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';

// No worker: the test decides what is folded when the migration runs.
const t = useTestApp({}, { worker: false });

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

test('the migration puts the signatures already counted in the hour they were confirmed, and ends each country at its folded total', async () => {
  const now = Date.now();
  const letter = await aLetter(t.db);
  // Five a country at least: a country below five has no figure in the public history.
  for (let i = 0; i < 5; i++) {
    await aSignature(t.db, letter, { country: 'UA', createdAt: new Date(now - 10 * DAY_MS) });
    await aSignature(t.db, letter, { country: 'FR', createdAt: new Date(now - 2 * HOUR_MS) });
  }
  // Not in the count: held, pending, invalidated.
  await aSignature(t.db, letter, { country: 'FR', heldReason: 'burst-ip', createdAt: new Date(now - 2 * HOUR_MS) });
  await aSignature(t.db, letter, { country: 'FR', status: 'pending' });
  await aSignature(t.db, letter, { country: 'FR', status: 'invalidated' });
  await foldCountDeltas(t.db);
  // A count the folded totals hold with no signature row behind it (as before this migration some
  // changes left no time), and a confirmation whose delta is not folded yet.
  await t.db.query(`INSERT INTO letter_country_counts (letter_id, country, verified) VALUES ($1, 'PL', 5)`, [
    letter.id,
  ]);
  await aSignature(t.db, letter, { country: 'UA' });

  const qr = t.db.createQueryRunner();
  await qr.connect();
  await qr.startTransaction();
  try {
    const migration = new CountHistory1764400200000();
    await migration.down(qr);
    await migration.up(qr);
    await qr.commitTransaction();
  } catch (e) {
    await qr.rollbackTransaction();
    throw e;
  } finally {
    await qr.release();
  }

  const res = await browser(t.app).agent.get(`/letters/${letter.slug}/history.json`).expect(200);
  const h = res.body as {
    total: number;
    countries: Record<string, number | null>;
    periods: Array<{
      start: string;
      change: number;
      total: number;
      countries: Record<string, { change: number | null; total: number }>;
    }>;
  };
  expect(h.total).toBe(await verifiedCount(t.db, letter.id));
  expect(h.total).toBe(16);
  expect(h.countries).toEqual({ FR: 5, PL: 5, UA: 6 });
  // A country's first period gives its total, not its change (which would be its figure below five).
  const at = (start: string) => h.periods.find((p) => p.start === start)!;
  expect(at(iso(Math.floor((now - 10 * DAY_MS) / DAY_MS) * DAY_MS))).toMatchObject({
    change: 5,
    total: 5,
    countries: { UA: { change: null, total: 5 } },
  });
  expect(at(iso(Math.floor((now - 2 * HOUR_MS) / HOUR_MS) * HOUR_MS))).toMatchObject({
    change: 5,
    total: 10,
    countries: { FR: { change: null, total: 5 } },
  });
  const last = h.periods[h.periods.length - 1];
  expect(last).toMatchObject({
    total: 16,
    countries: { PL: { change: null, total: 5 }, UA: { change: 1, total: 6 } },
  });

  // Folding afterwards changes nothing in what readers see.
  await foldCountDeltas(t.db);
  await new Promise((r) => setTimeout(r, 1100));
  const again = await browser(t.app).agent.get(`/letters/${letter.slug}/history.json`).expect(200);
  expect(again.body).toEqual(res.body);
});
