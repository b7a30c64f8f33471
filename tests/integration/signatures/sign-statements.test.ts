import { pgPool } from '../../../src/platform/db/pool';
import { signLetter } from '../../../src/features/signatures/sign-letter';
import { aLetter, anEmail } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

/**
 * A viral day's signature: every limit counter of the request and the pending row with its
 * outbox rows in ONE statement (one round trip, one commit). It was two: the counters, then the
 * insert.
 */
const t = useTestApp({}, { worker: false });

const form = (email: string) => ({
  fullName: 'Олена Ковальчук',
  email,
  country: 'UA',
  city: 'Київ',
  organisation: null,
  occupation: null,
  comment: null,
  commentAnonymous: false,
  signedAs: 'individual' as const,
  visibility: 'public' as const,
  wantsUpdates: false,
  website: '',
});

test('a new signature costs one statement: its counters, the row and its two emails in the outbox', async () => {
  const letter = await aLetter(t.db);
  // The first one fills the per-process caches (the letter's allowed networks).
  await signLetter(t.ctx, letter, form(anEmail('first')), {
    ip: '198.51.100.7',
    language: 'en',
    text: { language: 'en', version: 1 },
  });
  const pool = pgPool(t.db);
  let statements = 0;
  const count = () => statements++;
  pool.on('acquire', count);
  const email = anEmail('second');
  try {
    await signLetter(t.ctx, letter, form(email), {
      ip: '198.51.100.8',
      language: 'en',
      text: { language: 'en', version: 1 },
    });
  } finally {
    pool.off('acquire', count);
  }
  expect(statements).toBe(1);
  const [sig] = await t.db.query(`SELECT id, status, held_reason FROM signatures WHERE letter_id = $1 AND email = $2`, [
    letter.id,
    email,
  ]);
  expect(sig).toMatchObject({ status: 'pending', held_reason: null });
  const outbox = await t.db.query(
    `SELECT payload->>'kind' AS kind FROM job_outbox WHERE payload->>'signatureId' = $1 ORDER BY kind`,
    [sig.id],
  );
  expect(outbox).toEqual([{ kind: 'confirm' }, { kind: 'reminder' }]);
});
