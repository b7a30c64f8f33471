import { foldCountDeltas, verifiedCount } from '../../../src/core/letters/counts.service';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

/**
 * What a confirmation writes besides the signature itself, on a viral day hundreds of times a
 * second: every index of the signatures table (the update changes indexed columns, so each index
 * gets an entry), and a count delta.
 */
const t = useTestApp({}, { worker: false });

test('no index of the signatures table repeats the leading columns of another with the same condition', async () => {
  // Such an index serves nothing the longer one does not, and every confirmation writes to both.
  const repeated = await t.db.query(
    `SELECT a.indexrelid::regclass::text AS shorter, b.indexrelid::regclass::text AS longer
       FROM pg_index a
       JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid AND b.indnkeyatts >= a.indnkeyatts
       JOIN pg_class ca ON ca.oid = a.indexrelid
       JOIN pg_class cb ON cb.oid = b.indexrelid AND cb.relam = ca.relam
      WHERE a.indrelid = 'signatures'::regclass AND NOT a.indisunique
        AND coalesce(pg_get_expr(a.indpred, a.indrelid), '') = coalesce(pg_get_expr(b.indpred, b.indrelid), '')
        AND NOT EXISTS (
          SELECT 1 FROM generate_series(1, a.indnkeyatts) k
           WHERE pg_get_indexdef(a.indexrelid, k, true) <> pg_get_indexdef(b.indexrelid, k, true)
              OR a.indoption[k - 1] <> b.indoption[k - 1]
              OR a.indcollation[k - 1] <> b.indcollation[k - 1]
              OR a.indclass[k - 1] <> b.indclass[k - 1])`,
  );
  expect(repeated).toEqual([]);
});

test('the fold drops the count deltas of a letter deleted since, and folds the others', async () => {
  const gone = await aLetter(t.db);
  const kept = await aLetter(t.db);
  await t.db.query(
    `INSERT INTO signature_count_deltas (letter_id, country, delta) VALUES ($1, 'UA', 1), ($2, 'FR', 1), ($2, 'FR', 1)`,
    [gone.id, kept.id],
  );
  await t.db.query('DELETE FROM letters WHERE id = $1', [gone.id]);
  await foldCountDeltas(t.db);
  expect(
    await t.db.query('SELECT 1 FROM signature_count_deltas WHERE letter_id = ANY($1)', [[gone.id, kept.id]]),
  ).toEqual([]);
  expect(await verifiedCount(t.db, kept.id)).toBe(2);
  expect(
    await t.db.query('SELECT country, verified FROM letter_country_counts WHERE letter_id = $1', [kept.id]),
  ).toEqual([{ country: 'FR', verified: 2 }]);
});
