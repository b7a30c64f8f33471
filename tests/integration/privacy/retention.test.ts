import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { aLetter, aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import {
  applyRetention,
  eraseDeliveredContactData,
  eraseInvalidatedContactData,
  erasePaperPreviews,
  eraseExpiredSuppressions,
  erasePendingSignatures,
  eraseSigner,
  eraseUnshowableComments,
  ERASED_NAME,
} from '../../../src/features/privacy/retention.service';
import { foldCountDeltas, verifiedCount } from '../../../src/core/letters/counts.service';
import { TASK_PRIVACY_RETENTION } from '../../../src/features/privacy/retention.task';
import { DELIVERY_SIGNER_DAYS, updateStats } from '../../../src/features/updates/update-stats';

let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
const t = useTestApp({ PENDING_RETENTION_DAYS: '30', DELIVERED_RETENTION_DAYS: '180' });
beforeAll(async () => {
  owner = await anOrganiser(t.db);
  b = await signInAs(t.app, t.smtp, owner.email);
});

const hex = () => crypto.randomBytes(4).toString('hex');

interface Sig {
  id: string;
}

/** A signature as it would be some days after signing (see aSignature), with a withdraw link out. */
async function anAgedSignature(
  letterId: string,
  o: {
    email?: string;
    status?: 'pending' | 'confirmed';
    ageDays?: number;
    held?: string;
    country?: string;
    city?: string;
  } = {},
): Promise<Sig & { email: string }> {
  const email = o.email ?? `p-${hex()}@example.org`;
  const sig = await aSignature(t.db, letterId, {
    fullName: 'Олена Ковальчук',
    email,
    country: o.country ?? 'UA',
    city: o.city ?? 'Київ',
    organisation: 'Правозахисна група',
    language: 'uk',
    status: o.status ?? 'confirmed',
    originHash: 'abc123',
    heldReason: o.held ?? null,
    createdAt: new Date(Date.now() - (o.ageDays ?? 0) * 86_400_000),
  });
  await t.db.query(
    `INSERT INTO tokens (token_hash, purpose, signature_id, expires_at) VALUES ($1, 'withdraw', $2, now() + interval '1 day')`,
    [crypto.randomBytes(32).toString('hex'), sig.id],
  );
  return { id: sig.id, email };
}

async function row(id: string) {
  const [r] = await t.db.query<Array<Record<string, unknown>>>('SELECT * FROM signatures WHERE id = $1', [id]);
  return r;
}

describe('signatures never confirmed', () => {
  test('are erased with their tokens after the retention period; newer ones and confirmed ones stay', async () => {
    const letter = await aLetter(t.db);
    const old = await anAgedSignature(letter.id, { status: 'pending', ageDays: 31 });
    const recent = await anAgedSignature(letter.id, { status: 'pending', ageDays: 29 });
    const confirmed = await anAgedSignature(letter.id, { status: 'confirmed', ageDays: 400 });
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
    const left: Array<{ email_hash: string }> = await t.db.query(
      'SELECT email_hash FROM signing_suppressions WHERE letter_id = $1',
      [letter.id],
    );
    expect(left.map((r) => r.email_hash.slice(0, 4))).toEqual(['new-']);
  });
});

describe('after a letter is delivered', () => {
  test('signers’ addresses and origin hashes are erased after the retention period; names, countries and dates stay', async () => {
    const delivered = await aLetter(t.db, { status: 'closed' });
    await deliveredDaysAgo(delivered.id, 181);
    const recent = await aLetter(t.db, { status: 'closed' });
    await deliveredDaysAgo(recent.id, 10);
    const open = await aLetter(t.db);

    const a = await anAgedSignature(delivered.id, { country: 'KZ', ageDays: 300 });
    const b = await anAgedSignature(delivered.id, { country: 'FR', ageDays: 300 });
    const kept = await anAgedSignature(recent.id);
    const openSig = await anAgedSignature(open.id);
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

/** A delivery recorded `days` ago (the date typed and the moment it was recorded alike). */
async function deliveredDaysAgo(letterId: string, days: number): Promise<void> {
  await t.db.query(
    `UPDATE letters SET delivered_at = now() - make_interval(days => $2), delivery_recorded_at = now() - make_interval(days => $2), delivered_to = 'The Minister'
      WHERE id = $1`,
    [letterId, days],
  );
}

describe('a letter closed by its deadline', () => {
  test('is closed for retention too: its signers’ addresses are erased after the delivery retention period', async () => {
    await eraseDeliveredContactData(t.db, 180); // what other tests on this database left behind
    const past = await aLetter(t.db, { status: 'open' });
    await t.db.query(`UPDATE letters SET closes_at = now() - interval '200 days' WHERE id = $1`, [past.id]);
    await deliveredDaysAgo(past.id, 181);
    const future = await aLetter(t.db, { status: 'open' });
    await t.db.query(`UPDATE letters SET closes_at = now() + interval '10 days' WHERE id = $1`, [future.id]);
    await deliveredDaysAgo(future.id, 181);
    const closed = await anAgedSignature(past.id, { ageDays: 300 });
    const stillOpen = await anAgedSignature(future.id, { ageDays: 300 });

    expect(await eraseDeliveredContactData(t.db, 180)).toBe(1);
    expect((await row(closed.id)).email).toBeNull();
    expect((await row(closed.id)).origin_hash).toBeNull();
    expect((await row(stillOpen.id)).email).toBe(stillOpen.email);
  });
});

describe('the delivery retention period', () => {
  test('counts from the moment the delivery was recorded, never from the date the organiser typed', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { status: 'closed' });
    await t.db.query(`UPDATE letters SET created_at = now() - interval '3 years' WHERE id = $1`, [letter.id]);
    const sig = await anAgedSignature(letter.id, { ageDays: 800 });
    const dashboard = `/organise/letters/${letter.slug}`;
    const typed = new Date(Date.now() - 2 * 365 * 86_400_000).toISOString().slice(0, 10);
    const res = await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: typed,
      deliveredTo: 'The Ministry of Justice',
    });
    expect(res.status).toBe(303);
    const [recorded] = await t.db.query<Array<{ delivered_at: Date; delivery_recorded_at: Date }>>(
      'SELECT delivered_at, delivery_recorded_at FROM letters WHERE id = $1',
      [letter.id],
    );
    expect(recorded.delivered_at.toISOString().slice(0, 10)).toBe(typed);
    expect(Math.abs(recorded.delivery_recorded_at.getTime() - Date.now())).toBeLessThan(60_000);

    // Typed two years ago, recorded today: the addresses stay for the whole period.
    await eraseDeliveredContactData(t.db, 180);
    expect((await row(sig.id)).email).toBe(sig.email);

    // Saving the form again with another note keeps the moment the delivery was recorded.
    await t.db.query(`UPDATE letters SET delivery_recorded_at = now() - interval '100 days' WHERE id = $1`, [
      letter.id,
    ]);
    await postForm(b, dashboard, `${dashboard}/delivery`, {
      deliveredAt: typed,
      deliveredTo: 'The Ministry of Justice',
      deliveryNote: 'By hand.',
    });
    const [again] = await t.db.query<Array<{ days: number }>>(
      `SELECT round(extract(epoch FROM now() - delivery_recorded_at) / 86400)::int AS days FROM letters WHERE id = $1`,
      [letter.id],
    );
    expect(again.days).toBe(100);

    await t.db.query(`UPDATE letters SET delivery_recorded_at = now() - interval '181 days' WHERE id = $1`, [
      letter.id,
    ]);
    await eraseDeliveredContactData(t.db, 180);
    expect((await row(sig.id)).email).toBeNull();
  });
});

describe('invalidated signatures', () => {
  async function invalidate(letterSlug: string, id: string, keepName: boolean): Promise<void> {
    const dashboard = `/organise/letters/${letterSlug}`;
    const res = await postForm(b, dashboard, `${dashboard}/signatures/${id}/invalidate`, {
      category: 'other',
      reason: 'Duplicate',
      ...(keepName ? { keepName: 'on' } : {}),
    });
    expect(res.status).toBe(303);
  }

  test('lose address and network hash after the pending retention period; the name stays only if the organiser chose to keep it', async () => {
    await eraseInvalidatedContactData(t.db, 30); // what other tests on this database left behind
    const letter = await aLetterOf(t.db, owner);
    const dashboard = await b.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(dashboard.text).toContain('name="keepName"');
    const erased = await anAgedSignature(letter.id, { ageDays: 40 });
    const kept = await anAgedSignature(letter.id, { ageDays: 40 });
    const recent = await anAgedSignature(letter.id, { ageDays: 40 });
    await invalidate(letter.slug, erased.id, false);
    await invalidate(letter.slug, kept.id, true);
    await invalidate(letter.slug, recent.id, false);
    await t.db.query(`UPDATE signatures SET invalidated_at = now() - interval '31 days' WHERE id = ANY($1)`, [
      [erased.id, kept.id],
    ]);
    await t.db.query(`UPDATE signatures SET invalidated_at = now() - interval '29 days' WHERE id = $1`, [recent.id]);

    expect(await eraseInvalidatedContactData(t.db, 30)).toEqual({ signatures: 2, names: 1 });
    const e = await row(erased.id);
    expect(e).toMatchObject({
      email: null,
      email_normalised: null,
      origin_hash: null,
      full_name: ERASED_NAME,
      city: null,
      organisation: null,
      status: 'invalidated',
    });
    expect(e.invalidated_reason).toBe('Duplicate');
    expect(e.country).toBe('UA');
    const k = await row(kept.id);
    expect(k).toMatchObject({
      email: null,
      email_normalised: null,
      origin_hash: null,
      full_name: 'Олена Ковальчук',
      city: 'Київ',
      status: 'invalidated',
    });
    expect((await row(recent.id)).email).toBe(recent.email);
    // The moderation record on the dashboard shows the placeholder, never a stale name.
    const after = await b.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(after.text).toContain(ERASED_NAME);
    expect(await eraseInvalidatedContactData(t.db, 30)).toEqual({ signatures: 0, names: 0 });
  });

  test('invalidating a whole domain offers the same choice', async () => {
    const letter = await aLetterOf(t.db, owner);
    const domain = `spam-${hex()}.example`;
    const a = await anAgedSignature(letter.id, { email: `a@${domain}` });
    const dashboard = `/organise/letters/${letter.slug}`;
    const res = await postForm(b, dashboard, `${dashboard}/invalidate-domain`, {
      category: 'bulk-bot',
      domain,
      reason: 'Spam run',
      keepName: 'on',
    });
    expect(res.status).toBe(303);
    await t.db.query(`UPDATE signatures SET invalidated_at = now() - interval '31 days' WHERE id = $1`, [a.id]);
    await eraseInvalidatedContactData(t.db, 30);
    expect(await row(a.id)).toMatchObject({ email: null, full_name: 'Олена Ковальчук' });
  });
});

describe('signers’ own words', () => {
  const words = (id: string) =>
    t.db
      .query<Array<{ occupation: string | null; comment: string | null; comment_status: string | null }>>(
        `SELECT occupation, comment, comment_status FROM signatures WHERE id = $1`,
        [id],
      )
      .then((r) => r[0]);

  test('an invalidated signature loses its comment, and its occupation with its name', async () => {
    await eraseInvalidatedContactData(t.db, 30);
    const letter = await aLetter(t.db);
    const sig = await aSignature(t.db, letter, {
      status: 'invalidated',
      invalidatedAt: new Date(Date.now() - 31 * 86_400_000),
      occupation: 'Surgeon',
      comment: 'Spam words',
      commentStatus: 'pending',
    });
    expect(await eraseInvalidatedContactData(t.db, 30)).toEqual({ signatures: 1, names: 1 });
    expect(await words(sig.id)).toEqual({ occupation: null, comment: null, comment_status: null });
  });

  test('comments still undecided when a delivered letter’s addresses go, go with them; approved ones stay', async () => {
    const letter = await aLetter(t.db, { status: 'closed' });
    await deliveredDaysAgo(letter.id, 181);
    const undecided = await aSignature(t.db, letter, { comment: 'Never read', commentStatus: 'pending' });
    const approved = await aSignature(t.db, letter, {
      comment: 'Read by all',
      commentStatus: 'approved',
      commentApprovedAt: new Date(),
    });
    await eraseDeliveredContactData(t.db, 180);
    expect(await words(undecided.id)).toMatchObject({ comment: null, comment_status: null });
    expect(await words(approved.id)).toMatchObject({ comment: 'Read by all', comment_status: 'approved' });
  });

  test('a comment whose signer made their name private without allowing it to be shown is erased', async () => {
    const letter = await aLetter(t.db);
    const madePrivate = await aSignature(t.db, letter, {
      visibility: 'private',
      comment: 'Once public',
      commentStatus: 'approved',
      commentApprovedAt: new Date(),
    });
    const allowed = await aSignature(t.db, letter, {
      visibility: 'private',
      comment: 'Without my name',
      commentStatus: 'approved',
      commentAnonymous: true,
      commentApprovedAt: new Date(),
    });
    expect(await eraseUnshowableComments(t.db)).toBeGreaterThanOrEqual(1);
    expect(await words(madePrivate.id)).toMatchObject({ comment: null, comment_status: null });
    expect(await words(allowed.id)).toMatchObject({ comment: 'Without my name' });
  });
});

describe('paper-import previews', () => {
  async function aPreview(
    letterId: string,
    o: { status?: 'preview' | 'imported'; ageHours?: number } = {},
  ): Promise<string> {
    const rows = [
      {
        line: 2,
        name: 'Олена Ковальчук',
        country: 'UA',
        countryInput: 'UA',
        city: 'Київ',
        date: '2025-11-02',
        errors: [],
      },
    ];
    const [r] = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO paper_imports (letter_id, status, rows, valid_rows, invalid_rows, created_at, imported_at)
       VALUES ($1, $2::varchar, $3::jsonb, 1, 0, now() - make_interval(hours => $4::int), CASE WHEN $2::varchar = 'imported' THEN now() END)
       RETURNING id`,
      [letterId, o.status ?? 'preview', JSON.stringify(rows), o.ageHours ?? 0],
    );
    return r.id;
  }
  const preview = async (id: string) =>
    (
      await t.db.query<Array<{ status: string; rows: unknown[] }>>(
        'SELECT status, rows FROM paper_imports WHERE id = $1',
        [id],
      )
    )[0];

  test('lose their names and cities as soon as they are imported', async () => {
    const letter = await aLetterOf(t.db, owner);
    const id = await aPreview(letter.id);
    const page = `/organise/letters/${letter.slug}/paper/${id}`;
    const res = await postForm(b, page, `${page}/import`);
    expect(res.status).toBe(303);
    expect(await preview(id)).toEqual({ status: 'imported', rows: [] });
    expect(await t.db.query('SELECT full_name FROM signatures WHERE letter_id = $1', [letter.id])).toEqual([
      { full_name: 'Олена Ковальчук' },
    ]);
    // A second click still says the rows were imported.
    expect((await postForm(b, page, `${page}/import`)).status).toBe(409);
  });

  test('never imported are deleted after 24 hours; an imported one that still holds rows is emptied', async () => {
    const letter = await aLetter(t.db);
    const old = await aPreview(letter.id, { ageHours: 25 });
    const fresh = await aPreview(letter.id, { ageHours: 23 });
    const importedEarlier = await aPreview(letter.id, { status: 'imported', ageHours: 1 });
    const result = await erasePaperPreviews(t.db);
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(result.emptied).toBeGreaterThanOrEqual(1);
    expect(await preview(old)).toBeUndefined();
    expect((await preview(fresh)).rows).toHaveLength(1);
    expect(await preview(importedEarlier)).toEqual({ status: 'imported', rows: [] });
  });
});

describe('the record of whom an update went to', () => {
  test('forgets the signer after DELIVERY_SIGNER_DAYS; the update’s figures stay', async () => {
    const letter = await aLetter(t.db);
    const [update] = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO letter_updates (letter_id, language, subject, body_markdown) VALUES ($1, 'en', 'Old news', 'x') RETURNING id`,
      [letter.id],
    );
    const old = await aSignature(t.db, letter, { wantsUpdates: true });
    const recent = await aSignature(t.db, letter, { wantsUpdates: true });
    await t.db.query(
      `INSERT INTO letter_update_deliveries (update_id, signature_id, language, outcome, at)
       VALUES ($1, $2, 'en', 'sent', now() - make_interval(days => $4 + 1)), ($1, $3, 'en', 'sent', now() - make_interval(days => $4 - 1))`,
      [update.id, old.id, recent.id, DELIVERY_SIGNER_DAYS],
    );
    await applyRetention(t.db, t.config);
    const rows = await t.db.query<Array<{ signature_id: string | null }>>(
      `SELECT signature_id FROM letter_update_deliveries WHERE update_id = $1 ORDER BY at`,
      [update.id],
    );
    expect(rows.map((r) => r.signature_id)).toEqual([null, recent.id]);
    expect((await updateStats(t.db, letter.id, [update.id])).get(update.id)).toEqual({
      sent: 2,
      bounced: 0,
      unsubscribed: 0,
    });
  });
});

describe('npm run privacy -- retention', () => {
  test('applies every retention rule and prints what it erased per category, never an address', async () => {
    await applyRetention(t.db, t.config); // what earlier tests left behind
    const closed = await aLetter(t.db, { status: 'closed' });
    await deliveredDaysAgo(closed.id, 181);
    const open = await aLetter(t.db);
    const delivered = [
      await anAgedSignature(closed.id, { ageDays: 300 }),
      await anAgedSignature(closed.id, { ageDays: 300 }),
    ];
    const pending = await anAgedSignature(open.id, { status: 'pending', ageDays: 31 });
    const invalid = await anAgedSignature(open.id, { ageDays: 40 });
    await t.db.query(
      `UPDATE signatures SET status = 'invalidated', invalidated_reason = 'Spam', invalidated_at = now() - interval '31 days' WHERE id = $1`,
      [invalid.id],
    );
    const [paper] = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO paper_imports (letter_id, rows, valid_rows, invalid_rows, created_at) VALUES ($1, '[{"name":"Олена"}]', 1, 0, now() - interval '2 days') RETURNING id`,
      [open.id],
    );
    await t.db.query(
      `INSERT INTO signing_suppressions (letter_id, email_hash, expires_at) VALUES ($1, $2, now() - interval '1 day')`,
      [open.id, hex()],
    );

    const root = path.resolve(__dirname, '../../..');
    const { stdout, stderr } = await promisify(execFile)(
      path.join(root, 'node_modules/.bin/tsx'),
      ['src/app/cli/privacy.ts', 'retention'],
      {
        cwd: root,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: process.env.TEST_DB_URL,
          LOG_LEVEL: 'info',
          SEED_ON_START: 'false',
          PENDING_RETENTION_DAYS: '30',
          DELIVERED_RETENTION_DAYS: '180',
        },
      },
    );
    expect(stdout).toBe(
      [
        'Retention applied:',
        '  unconfirmed signatures deleted (after 30 days): 1',
        '  signatures whose confirmation email bounced, deleted (after 30 days): 0',
        '  invalidated signatures, address and network hash erased (after 30 days): 1',
        '  invalidated signatures, name, city and organisation erased: 1',
        '  signatures on closed letters, address and network hash erased (180 days after the delivery was recorded): 2',
        '  paper-import previews deleted (not imported within 24 hours): 1',
        '  imported paper sheets emptied of names and cities: 0',
        `  "This wasn't me" suppressions ended after their 30 days: 1`,
        '  audit-trail details (reasons, notes, mail domains) erased after 365 days: 0',
        "  readers' reports, words and address erased (30 days after the decision, or 180 days undecided): 0",
        '  uploads left unfinished by a stopped process, deleted: 0',
        '  update emails, whom each went to forgotten (after 90 days): 0',
        '  comments of signers whose name became private without allowing it to be shown, erased: 0',
        "  co-sponsors' names and addresses erased (unconfirmed, or their letter published): 0",
        '',
      ].join('\n'),
    );
    for (const email of [...delivered, pending, invalid].map((s) => s.email))
      expect(stdout + stderr).not.toContain(email);
    expect(await row(pending.id)).toBeUndefined();
    expect((await row(delivered[0].id)).email).toBeNull();
    expect((await row(invalid.id)).full_name).toBe(ERASED_NAME);
    expect(await t.db.query('SELECT 1 FROM paper_imports WHERE id = $1', [paper.id])).toEqual([]);
  }, 60_000);
});

describe('the right to erasure', () => {
  test('removes a person from every letter in one go, takes counted signatures out of the counts, and leaves others alone', async () => {
    const [one, two, three] = [await aLetter(t.db), await aLetter(t.db), await aLetter(t.db)];
    const local = `maria.${hex()}`;
    await anAgedSignature(one.id, { email: `${local}@gmail.com` });
    await anAgedSignature(two.id, { email: `${local.replace('.', '')}+letters@googlemail.com`, held: 'burst-ip' });
    await anAgedSignature(three.id, { email: `${local.toUpperCase()}@GMAIL.COM`, status: 'pending' });
    const other = await anAgedSignature(one.id);
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
      await t.db.query(`INSERT INTO dev_mailbox (recipient, subject, text_body) VALUES ($1, 'Confirm', 'text')`, [
        recipient,
      ]);
    }
    await eraseSigner(t.db, mine);
    const left = await t.db.query<Array<{ recipient: string }>>(
      'SELECT recipient FROM dev_mailbox WHERE recipient ILIKE $1',
      [`%${id}%`],
    );
    expect(left.map((r) => r.recipient).sort()).toEqual([lookalike, `X <${lookalike}>`].sort());
  });

  test('npm run privacy -- erase prints how many letters were affected and never the address', async () => {
    const [one, two] = [await aLetter(t.db), await aLetter(t.db)];
    const email = `cli-${hex()}@example.org`;
    await anAgedSignature(one.id, { email });
    await anAgedSignature(two.id, { email, status: 'pending' });
    const root = path.resolve(__dirname, '../../..');
    const { stdout, stderr } = await promisify(execFile)(
      path.join(root, 'node_modules/.bin/tsx'),
      ['src/app/cli/privacy.ts', 'erase', email],
      {
        cwd: root,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: process.env.TEST_DB_URL,
          LOG_LEVEL: 'info',
          SEED_ON_START: 'false',
        },
      },
    );
    expect(stdout).toBe('Erased 2 signature(s) from 2 letter(s).\n');
    expect(stdout + stderr).not.toContain(email);
    expect(await t.db.query('SELECT 1 FROM signatures WHERE email = $1', [email])).toEqual([]);
    expect(await verifiedCount(t.db, one.id)).toBe(0);
  }, 60_000);
});

describe('the retention job', () => {
  test('is on the worker’s schedule, and the worker runs it', async () => {
    const known = await t.db.query<Array<{ identifier: string }>>(
      'SELECT identifier FROM graphile_worker._private_known_crontabs',
    );
    expect(known.map((k) => k.identifier)).toContain(TASK_PRIVACY_RETENTION);

    const letter = await aLetter(t.db);
    const old = await anAgedSignature(letter.id, { status: 'pending', ageDays: 45 });
    await t.db.query(`SELECT graphile_worker.add_job($1)`, [TASK_PRIVACY_RETENTION]);
    const deadline = Date.now() + 15_000;
    while ((await row(old.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await row(old.id)).toBeUndefined();
  });
});
