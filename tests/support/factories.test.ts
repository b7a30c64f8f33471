/**
 * The one signature factory: any state, unique data, and a count that moves only for a counted
 * signature, through the project's own count function.
 */
import { verifiedCount } from '../../src/core/letters/counts.service';
import { aLetter, aSignature } from './factories';
import { useTestApp } from './test-app';

// No worker: it folds the deltas away every 200 ms, and the test reads them.
const t = useTestApp({}, { worker: false });

describe('aSignature', () => {
  test('a confirmed signature is counted once; pending, held and invalidated ones are not', async () => {
    const letter = await aLetter(t.db);
    const confirmed = await aSignature(t.db, letter, { country: 'KZ' });
    expect(confirmed).toMatchObject({ status: 'confirmed', heldReason: null, country: 'KZ' });
    expect(confirmed.confirmedAt).toBeInstanceOf(Date);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);

    const pending = await aSignature(t.db, letter, { status: 'pending' });
    expect(pending.confirmedAt).toBeNull();
    await aSignature(t.db, letter, { heldReason: 'disposable' });
    const invalidated = await aSignature(t.db, letter.id, { status: 'invalidated' });
    expect(invalidated.invalidatedAt).toBeInstanceOf(Date);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);

    const [deltas] = await t.db.query<Array<{ n: string }>>(
      'SELECT count(*) AS n FROM signature_count_deltas WHERE letter_id = $1',
      [letter.id],
    );
    expect(Number(deltas.n)).toBe(1);
  });

  test('makes unique addresses, normalised as signing normalises them, unless told otherwise', async () => {
    const letter = await aLetter(t.db);
    const a = await aSignature(t.db, letter);
    const b = await aSignature(t.db, letter);
    expect(a.email).not.toBe(b.email);
    const typed = await aSignature(t.db, letter, { email: 'Jean.Dupont+letters@GMail.com' });
    expect(typed.emailNormalised).toBe('jeandupont@gmail.com');
    const none = await aSignature(t.db, letter, { email: null });
    expect(none.emailNormalised).toBeNull();
  });
});
