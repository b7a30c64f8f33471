import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { aLetter } from '../../helpers/factories';
import { startTestApp, type TestApp } from '../../helpers/test-app';
import { eraseDeliveredContactData, eraseExpiredSuppressions, erasePendingSignatures, eraseSigner } from '../../../src/privacy/retention.service';
import { foldCountDeltas, verifiedCount } from '../../../src/signatures/counts.service';
import { normaliseEmail } from '../../../src/signatures/email-address';
import { TASK_PRIVACY_RETENTION } from '../../../src/privacy/retention.task';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PENDING_RETENTION_DAYS: '30', DELIVERED_RETENTION_DAYS: '180' });
});
afterAll(async () => {
  await t.close();
});

const hex = () => crypto.randomBytes(4).toString('hex');

interface Sig {
  id: string;
}

/** A signature as it would be some days after signing; a confirmed, unheld one is counted. */
async function aSignature(
  letterId: string,
  o: { email?: string; status?: 'pending' | 'confirmed'; ageDays?: number; held?: string; country?: string } = {},
): Promise<Sig & { email: string }> {
  const email = o.email ?? `p-${hex()}@example.org`;
  const status = o.status ?? 'confirmed';
  const [row] = await t.db.query<Array<{ id: string }>>(
    `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, visibility, language, status,
                             origin_hash, held_reason, created_at, confirmed_at)
     VALUES ($1, 'Олена Ковальчук', $2, $3, $4, 'public', 'uk', $5::varchar, 'abc123', $6,
             now() - make_interval(days => $7::int), CASE WHEN $5::varchar = 'confirmed' THEN now() - make_interval(days => $7::int) END)
     RETURNING id`,
    [letterId, email, normaliseEmail(email), o.country ?? 'UA', status, o.held ?? null, o.ageDays ?? 0],
  );
  if (status === 'confirmed' && !o.held) {
    await t.db.query('INSERT INTO signature_count_deltas (letter_id, country, delta) VALUES ($1, $2, 1)', [letterId, o.country ?? 'UA']);
  }
  await t.db.query(`INSERT INTO tokens (token_hash, purpose, signature_id, expires_at) VALUES ($1, 'withdraw', $2, now() + interval '1 day')`, [
    crypto.randomBytes(32).toString('hex'),
    row.id,
  ]);
  return { id: row.id, email };
}

async function row(id: string) {
  const [r] = await t.db.query<Array<Record<string, unknown>>>('SELECT * FROM signatures WHERE id = $1', [id]);
  return r;
}

describe('signatures never confirmed', () => {
  test('are erased with their tokens after the retention period; newer ones and confirmed ones stay', async () => {
    const letter = await aLetter(t.db);
    const old = await aSignature(letter.id, { status: 'pending', ageDays: 31 });
    const recent = await aSignature(letter.id, { status: 'pending', ageDays: 29 });
    const confirmed = await aSignature(letter.id, { status: 'confirmed', ageDays: 400 });
    expect(await erasePendingSignatures(t.db, 30)).toBeGreaterThanOrEqual(1);
    expect(await row(old.id)).toBeUndefined();
    expect(await t.db.query('SELECT 1 FROM tokens WHERE signature_id = $1', [old.id])).toEqual([]);
    expect(await row(recent.id)).toBeDefined();
    expect(await row(confirmed.id)).toBeDefined();
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
  });
});

describe('"This wasn\'t me" suppressions', () => {
  test('are erased once their 30 days are over; running ones stay', async () => {
    const letter = await aLetter(t.db);
    await t.db.query(
      `INSERT INTO signing_suppressions (letter_id, email_hash, expires_at)
       VALUES ($1, 'old-' || $2::text, now() - interval '1 minute'), ($1, 'new-' || $2::text, now() + interval '29 days')`,
      [letter.id, hex()],
    );
    await eraseExpiredSuppressions(t.db);
    const left: Array<{ email_hash: string }> = await t.db.query('SELECT email_hash FROM signing_suppressions WHERE letter_id = $1', [letter.id]);
    expect(left.map((r) => r.email_hash.slice(0, 4))).toEqual(['new-']);
  });
});

describe('after a letter is delivered', () => {
  test('signers’ addresses and origin hashes are erased after the retention period; names, countries and dates stay', async () => {
    const delivered = await aLetter(t.db, { status: 'closed' });
    await t.db.query(`UPDATE letters SET delivered_at = now() - interval '181 days' WHERE id = $1`, [delivered.id]);
    const recent = await aLetter(t.db, { status: 'closed' });
    await t.db.query(`UPDATE letters SET delivered_at = now() - interval '10 days' WHERE id = $1`, [recent.id]);
    const open = await aLetter(t.db);

    const a = await aSignature(delivered.id, { country: 'KZ', ageDays: 300 });
    const b = await aSignature(delivered.id, { country: 'FR', ageDays: 300 });
    const kept = await aSignature(recent.id);
    const openSig = await aSignature(open.id);
    const before = await row(a.id);

    expect(await eraseDeliveredContactData(t.db, 180)).toBe(2);
    const after = await row(a.id);
    expect(after.email).toBeNull();
    expect(after.email_normalised).toBeNull();
    expect(after.origin_hash).toBeNull();
    expect(after.wants_updates).toBe(false);
    expect(after.full_name).toBe('Олена Ковальчук');
    expect(after.country).toBe('KZ');
    expect(after.confirmed_at).toEqual(before.confirmed_at);
    expect(after.created_at).toEqual(before.created_at);
    expect((await row(b.id)).email).toBeNull(); // two erased rows live side by side: the unique key ignores NULLs
    expect((await row(kept.id)).email).toBe(kept.email);
    expect((await row(openSig.id)).email).toBe(openSig.email);
    await foldCountDeltas(t.db);
    expect(await verifiedCount(t.db, delivered.id)).toBe(2);
    // Running again finds nothing left to erase.
    expect(await eraseDeliveredContactData(t.db, 180)).toBe(0);
  });
});

describe('the right to erasure', () => {
  test('removes a person from every letter in one go, takes counted signatures out of the counts, and leaves others alone', async () => {
    const [one, two, three] = [await aLetter(t.db), await aLetter(t.db), await aLetter(t.db)];
    const local = `maria.${hex()}`;
    await aSignature(one.id, { email: `${local}@gmail.com` });
    await aSignature(two.id, { email: `${local.replace('.', '')}+letters@googlemail.com`, held: 'burst-ip' });
    await aSignature(three.id, { email: `${local.toUpperCase()}@GMAIL.COM`, status: 'pending' });
    const other = await aSignature(one.id);
    expect(await verifiedCount(t.db, one.id)).toBe(2);

    const result = await eraseSigner(t.db, ` ${local}@gmail.com `);
    expect(result).toEqual({ signatures: 3, letters: 3 });
    expect(await verifiedCount(t.db, one.id)).toBe(1);
    expect(await verifiedCount(t.db, two.id)).toBe(0); // the held one was never counted
    expect(await row(other.id)).toBeDefined();
    expect(await eraseSigner(t.db, `${local}@gmail.com`)).toEqual({ signatures: 0, letters: 0 });
  });

  test('also removes copies of their mail from the development mailbox, and nobody else’s', async () => {
    const id = hex();
    const mine = `a_b.${id}@example.org`;
    const lookalike = `axb.${id}@example.org`;
    for (const recipient of [mine, `Anna <${mine.toUpperCase()}>`, lookalike, `X <${lookalike}>`]) {
      await t.db.query(`INSERT INTO dev_mailbox (recipient, subject, text_body) VALUES ($1, 'Confirm', 'text')`, [recipient]);
    }
    await eraseSigner(t.db, mine);
    const left = await t.db.query<Array<{ recipient: string }>>('SELECT recipient FROM dev_mailbox WHERE recipient ILIKE $1', [`%${id}%`]);
    expect(left.map((r) => r.recipient).sort()).toEqual([lookalike, `X <${lookalike}>`].sort());
  });

  test('npm run privacy -- erase prints how many letters were affected and never the address', async () => {
    const [one, two] = [await aLetter(t.db), await aLetter(t.db)];
    const email = `cli-${hex()}@example.org`;
    await aSignature(one.id, { email });
    await aSignature(two.id, { email, status: 'pending' });
    const root = path.resolve(__dirname, '../../..');
    const { stdout, stderr } = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/privacy.ts', 'erase', email], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: process.env.TEST_DB_URL, LOG_LEVEL: 'info', SEED_ON_START: 'false' },
    });
    expect(stdout).toBe('Erased 2 signature(s) from 2 letter(s).\n');
    expect(stdout + stderr).not.toContain(email);
    expect(await t.db.query('SELECT 1 FROM signatures WHERE email = $1', [email])).toEqual([]);
    expect(await verifiedCount(t.db, one.id)).toBe(0);
  }, 60_000);
});

describe('the retention job', () => {
  test('is on the worker’s schedule, and the worker runs it', async () => {
    const known = await t.db.query<Array<{ identifier: string }>>('SELECT identifier FROM graphile_worker._private_known_crontabs');
    expect(known.map((k) => k.identifier)).toContain(TASK_PRIVACY_RETENTION);

    const letter = await aLetter(t.db);
    const old = await aSignature(letter.id, { status: 'pending', ageDays: 45 });
    await t.db.query(`SELECT graphile_worker.add_job($1)`, [TASK_PRIVACY_RETENTION]);
    const deadline = Date.now() + 15_000;
    while ((await row(old.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await row(old.id)).toBeUndefined();
  });
});
