import crypto from 'node:crypto';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { COSPONSOR_LIMITS, eraseSupporters, inviteSupportersToSign } from '../../../src/features/cosponsors';
import { aLetterOf, anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';

const REQUIRED = 2;
// Declared before the app's own hooks, so that it runs while the app is still up.
afterAll(async () => {
  // The instance's setting is shared with the other files of this worker: back to its default.
  await setRequired(0);
});
const t = useTestApp({ TRUST_PROXY: 'loopback', LOG_LEVEL: process.env.COSPONSOR_TRACE ? 'error' : 'silent' });
let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olena Starter' });
  b = await signInAs(t.app, t.smtp, owner.email);
  await setRequired(REQUIRED);
});
async function setRequired(n: number) {
  await t.db.query(`UPDATE instance_settings SET cosponsors_required = $1`, [n]);
}

/** A documentation-range IPv6 /64 of its own: each test offers support from a network of its own. */
function aNetwork() {
  const [x, y] = [crypto.randomBytes(2).toString('hex'), crypto.randomBytes(2).toString('hex')];
  return (i = 0) => `2001:db8:${x}:${y}::${(i + 1).toString(16)}`;
}
const anEmail = (who: string) => `${who}-${crypto.randomBytes(4).toString('hex')}@example.net`;

async function reviewState(letter: Letter): Promise<{ state: string; submittedAt: Date | null }> {
  const [row] = await t.db.query<Array<{ review_state: string; review_submitted_at: Date | null }>>(
    `SELECT review_state, review_submitted_at FROM letters WHERE id = $1`,
    [letter.id],
  );
  return { state: row.review_state, submittedAt: row.review_submitted_at };
}

/** A new letter, as a starter writes it (a draft under review), then submitted: what the starter's "Submit" does. */
async function aSubmittedLetter(): Promise<Letter> {
  const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open' });
  await t.db.query(`UPDATE letters SET review_state = 'draft' WHERE id = $1`, [letter.id]);
  await t.db.query(`UPDATE letters SET review_state = 'submitted', review_submitted_at = now() WHERE id = $1`, [
    letter.id,
  ]);
  return letter;
}

/** The private link, as the starter copies it from their page. */
async function privateLink(letter: Letter): Promise<string> {
  const page = await b.agent.get(`/organise/letters/${letter.slug}/cosponsors`).expect(200);
  const m = /id="cosponsor-link" type="text" readonly value="([^"]+)"/.exec(page.text);
  if (!m) throw new Error('no private link on the page');
  return new URL(m[1]).pathname;
}

async function offer(path: string, form: { fullName: string; email: string; wantsToSign?: boolean }, ip: string) {
  const supporter = browser(t.app);
  const csrf = await supporter.csrfFrom(path);
  return supporter.agent
    .post(path)
    .set('X-Forwarded-For', ip)
    .type('form')
    .send({
      _csrf: csrf,
      fullName: form.fullName,
      email: form.email,
      ...(form.wantsToSign ? { wantsToSign: 'on' } : {}),
    });
}

/** The supporter's confirmation link from their email: the page (GET) and the button (POST). */
async function confirmLink(email: string): Promise<string> {
  const mails = await t.smtp.waitFor(email);
  return new URL(linkFrom(mails[mails.length - 1], '/cosponsor/confirm/')).pathname;
}

async function pressConfirm(path: string) {
  const supporter = browser(t.app);
  const csrf = await supporter.csrfFrom(path);
  return supporter.agent.post(path).type('form').send({ _csrf: csrf });
}

describe('co-sponsors', () => {
  test('the gate: with N-1 confirmed the letter stays out of moderation; the N-th confirmation submits it', async () => {
    const letter = await aSubmittedLetter();
    expect(await reviewState(letter)).toEqual({ state: 'awaiting_cosponsors', submittedAt: null });
    const link = await privateLink(letter);
    const net = aNetwork();

    const first = anEmail('first');
    const page = await offer(link, { fullName: 'Ivan First', email: first, wantsToSign: true }, net(0));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Check your email');
    const firstConfirm = await confirmLink(first);
    expect((await pressConfirm(firstConfirm)).text).toContain('your support is confirmed');
    expect((await reviewState(letter)).state).toBe('awaiting_cosponsors');
    let progress = await b.agent.get(`/organise/letters/${letter.slug}/cosponsors`);
    expect(progress.text).toContain(`1 of ${REQUIRED} supporters confirmed`);
    // The starter sees how many, never who.
    expect(progress.text).not.toContain('Ivan First');
    expect(progress.text).not.toContain(first);

    // An offer not confirmed does not count, and opening its link (as a mail scanner does) confirms nothing.
    const second = anEmail('second');
    expect((await offer(link, { fullName: 'Maria Second', email: second }, net(1))).status).toBe(200);
    const secondConfirm = await confirmLink(second);
    const shown = await browser(t.app).agent.get(secondConfirm).expect(200);
    expect(shown.text).toContain('Confirm my support');
    expect((await reviewState(letter)).state).toBe('awaiting_cosponsors');
    progress = await b.agent.get(`/organise/letters/${letter.slug}/cosponsors`);
    expect(progress.text).toContain(`1 of ${REQUIRED} supporters confirmed`);
    expect(progress.text).toContain('1 more has not confirmed yet.');

    expect((await pressConfirm(secondConfirm)).status).toBe(200);
    const after = await reviewState(letter);
    expect(after.state).toBe('submitted');
    expect(after.submittedAt).not.toBeNull();
    // A confirmation link works once.
    expect((await browser(t.app).agent.get(secondConfirm)).status).toBe(410);
    // Once in review the letter gathers no more supporters.
    expect((await browser(t.app).agent.get(link)).status).toBe(410);
    const kinds = await t.db.query<Array<{ kind: string }>>(
      `SELECT kind FROM audit_events WHERE letter_id = $1 AND kind LIKE 'cosponsors.%' ORDER BY id`,
      [letter.id],
    );
    expect(kinds.map((k) => k.kind)).toEqual([
      'cosponsors.support-confirmed',
      'cosponsors.support-confirmed',
      'cosponsors.submitted',
    ]);
  });

  test('a letter sent for review from /start waits for its co-sponsors, and its page says so', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open' });
    await t.db.query(`UPDATE letters SET review_state = 'draft' WHERE id = $1`, [letter.id]);
    // Co-sponsors gate the way to the admins' review: under the policy that asks for one.
    await t.db.query(`UPDATE instance_settings SET start_policy = 'approve'`);
    try {
      const csrf = await b.csrfFrom(`/start/letters/${letter.slug}`);
      const sent = await b.agent.post(`/start/letters/${letter.slug}/submit`).type('form').send({ _csrf: csrf });
      expect(sent.status).toBe(303);
    } finally {
      await t.db.query(`UPDATE instance_settings SET start_policy = 'invited'`);
    }
    expect((await reviewState(letter)).state).toBe('awaiting_cosponsors');
    const page = await b.agent.get(`/start/letters/${letter.slug}`).expect(200);
    expect(page.text).toContain('goes to review as soon as enough supporters have confirmed');
    expect(page.text).toContain(`href="/organise/letters/${letter.slug}/cosponsors"`);
  });

  test('the author, and anyone on the letter’s team, cannot co-sponsor it: the same answer, nothing counted', async () => {
    const letter = await aSubmittedLetter();
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const link = await privateLink(letter);
    const net = aNetwork();
    for (const [i, email] of [owner.email, editor.email.toUpperCase()].entries()) {
      const res = await offer(link, { fullName: 'Someone', email }, net(i));
      expect(res.status).toBe(200);
      expect(res.text).toContain('Check your email');
    }
    const [{ n }] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM letter_cosponsors WHERE letter_id = $1`,
      [letter.id],
    );
    expect(Number(n)).toBe(0);
    // Even a support row written behind the form's back (an address that joined the team later) does not count.
    await t.db.query(
      `INSERT INTO letter_cosponsors (letter_id, full_name, email, email_normalised, language, status, confirmed_at)
       VALUES ($1, 'x', $2, $2, 'en', 'confirmed', now())`,
      [letter.id, owner.email],
    );
    await t.db.query(`UPDATE letters SET review_state = 'submitted' WHERE id = $1`, [letter.id]);
    expect((await reviewState(letter)).state).toBe('awaiting_cosponsors');
  });

  test('with co-sponsors off (0, the default) a submitted letter goes straight to review', async () => {
    await setRequired(0);
    try {
      const letter = await aSubmittedLetter();
      expect((await reviewState(letter)).state).toBe('submitted');
      const page = await b.agent.get(`/organise/letters/${letter.slug}/cosponsors`).expect(200);
      expect(page.text).toContain('This site does not ask for co-sponsors');
    } finally {
      await setRequired(REQUIRED);
    }
  });

  test('the support form is bounded per network, with an answer in the supporter’s language', async () => {
    const letter = await aSubmittedLetter();
    const link = await privateLink(letter);
    const net = aNetwork();
    for (let i = 0; i < COSPONSOR_LIMITS.perNetwork.points; i++)
      expect((await offer(link, { fullName: `Person ${i}`, email: anEmail(`p${i}`) }, net(i))).status).toBe(200);
    const refused = await offer(`${link}?lang=fr`, { fullName: 'One too many', email: anEmail('late') }, net(99));
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    // Another network is not held back by this one.
    expect((await offer(link, { fullName: 'Elsewhere', email: anEmail('elsewhere') }, aNetwork()(0))).status).toBe(200);

    // Offers never confirmed are kept for their week, then erased.
    const pending = async () =>
      Number(
        (
          await t.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM letter_cosponsors WHERE letter_id = $1`, [
            letter.id,
          ])
        )[0].n,
      );
    expect(await pending()).toBe(COSPONSOR_LIMITS.perNetwork.points + 1);
    await eraseSupporters(t.db);
    expect(await pending()).toBe(COSPONSOR_LIMITS.perNetwork.points + 1);
    await t.db.query(`UPDATE letter_cosponsors SET created_at = now() - interval '8 days' WHERE letter_id = $1`, [
      letter.id,
    ]);
    await eraseSupporters(t.db);
    expect(await pending()).toBe(0);
  });

  test('once published, supporters who asked are invited to sign; retention erases every supporter', async () => {
    const letter = await aSubmittedLetter();
    const link = await privateLink(letter);
    const net = aNetwork();
    const signer = anEmail('will-sign');
    const quiet = anEmail('quiet');
    const unconfirmed = anEmail('unconfirmed');
    expect((await offer(link, { fullName: 'Will Sign', email: signer, wantsToSign: true }, net(0))).status).toBe(200);
    expect((await offer(link, { fullName: 'Quiet Supporter', email: quiet }, net(1))).status).toBe(200);
    expect((await offer(link, { fullName: 'Never Confirmed', email: unconfirmed }, net(2))).status).toBe(200);
    await t.smtp.waitFor(unconfirmed);
    expect((await pressConfirm(await confirmLink(signer))).status).toBe(200);
    expect((await pressConfirm(await confirmLink(quiet))).status).toBe(200);
    expect((await reviewState(letter)).state).toBe('submitted');

    // Not yet published: nobody is invited, nobody erased but what is due.
    expect(await inviteSupportersToSign(t.ctx)).toBe(0);
    await t.db.query(`UPDATE letters SET review_state = 'approved' WHERE id = $1`, [letter.id]);
    expect(await inviteSupportersToSign(t.ctx)).toBe(1);
    const invitation = (await t.smtp.waitFor(signer, 2)).at(-1)!;
    expect(invitation.text).toContain(`/letters/${letter.slug}`);
    expect(await inviteSupportersToSign(t.ctx)).toBe(0);
    expect(t.smtp.to(quiet)).toHaveLength(1);

    const remaining = async () =>
      (
        await t.db.query<Array<{ email: string }>>(`SELECT email FROM letter_cosponsors WHERE letter_id = $1`, [
          letter.id,
        ])
      ).map((r) => r.email);
    // The invitation's job removed its supporter once sent.
    for (let i = 0; i < 50 && (await remaining()).includes(signer); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await remaining()).not.toContain(signer);
    await eraseSupporters(t.db);
    // The letter is out: the quiet supporter's part is done, and an offer never confirmed is of no use.
    expect(await remaining()).toEqual([]);
  });
});
