import { verifiedCount } from '../../../src/core/letters/counts.service';
import { applyRetention } from '../../../src/features/privacy/retention.service';
import { eraseSigner } from '../../../src/features/privacy/retention.service';
import { foldIntegrityDeltas } from '../../../src/features/integrity/integrity.service';
import type { Letter } from '../../../src/core/letters/letter.entity';
import { confirmByLink } from '../../support/journey';
import { aSignature, anEmail, signForm } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp();

const DAY_MS = 86_400_000;

/** Signs through the form, as a person does; answers the confirmation email. */
async function signOnline(letter: Letter, email: string, form: Record<string, string> = {}) {
  const b = browser(t.app);
  const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
  await b.agent
    .post(`/letters/${letter.slug}/sign`)
    .type('form')
    .send({ ...signForm({ email, ...form }), _csrf: csrf })
    .expect(303);
  const [mail] = await t.smtp.waitFor(email);
  return mail;
}

async function withdrawByLink(link: string) {
  const b = browser(t.app);
  const path = new URL(link).pathname;
  const page = await b.agent.get(path).expect(200);
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)![1].replace(/&amp;/g, '&');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  await b.agent.post(action).type('form').send({ _csrf: csrf }).expect(200);
}

async function jsonReport(letter: Letter) {
  const res = await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200);
  return res.body.integrity as Record<string, unknown> & { invalidatedByCategory: Record<string, number> };
}

describe('the integrity report', () => {
  let letter: Letter;
  let b: Browser;
  let dashboard: string;

  beforeAll(async () => {
    const organiser = await anOrganiser(t.db);
    letter = await aLetterOf(t.db, organiser, 'owner', { status: 'open' });
    b = await signInAs(t.app, t.smtp, organiser.email);
    dashboard = `/organise/letters/${letter.slug}`;

    // Counted: three confirmed online, one confirmed by its email link.
    for (let i = 0; i < 3; i++) await aSignature(t.db, letter);
    const confirmMail = await signOnline(letter, anEmail('confirms'));
    expect((await confirmByLink(t.app, linkFrom(confirmMail, '/s/confirm/'))).status).toBe(200);
    // Held by abuse control and still waiting; another held, then released by an organiser.
    await aSignature(t.db, letter, { heldReason: 'burst-ip' });
    const released = await aSignature(t.db, letter, { heldReason: 'disposable-domain' });
    expect((await postForm(b, dashboard, `${dashboard}/signatures/${released.id}/release`)).status).toBe(303);
    // Invalidated after confirming (fake name), and a whole domain's run, one confirmed and two
    // never confirmed (bulk/bot).
    const fake = await aSignature(t.db, letter, { fullName: 'Mickey Mouse' });
    expect(
      (
        await postForm(b, dashboard, `${dashboard}/signatures/${fake.id}/invalidate`, {
          category: 'fake-name',
          reason: 'A cartoon',
        })
      ).status,
    ).toBe(303);
    await aSignature(t.db, letter, { email: anEmail('a').replace('example.org', 'spam.example') });
    await aSignature(t.db, letter, { status: 'pending', email: anEmail('b').replace('example.org', 'spam.example') });
    await aSignature(t.db, letter, { status: 'pending', email: anEmail('c').replace('example.org', 'spam.example') });
    expect(
      (
        await postForm(b, dashboard, `${dashboard}/invalidate-domain`, {
          domain: 'spam.example',
          category: 'bulk-bot',
          reason: 'Spam run',
        })
      ).status,
    ).toBe(303);
    // Never confirmed: two still waiting, one erased by retention after 40 days, one refused by
    // the address's owner ("This wasn't me").
    await aSignature(t.db, letter, { status: 'pending' });
    await aSignature(t.db, letter, { status: 'pending' });
    await aSignature(t.db, letter, { status: 'pending', createdAt: new Date(Date.now() - 40 * DAY_MS) });
    await applyRetention(t.db, t.config);
    const notMeMail = await signOnline(letter, anEmail('not-me'));
    expect((await confirmByLink(t.app, linkFrom(notMeMail, '/s/confirm/'), { notMe: true })).status).toBe(200);
    // Withdrawn: one confirmed and then withdrawn from the link in its email, one erased on request.
    const withdrawEmail = anEmail('withdraws');
    const withdrawMail = await signOnline(letter, withdrawEmail);
    await confirmByLink(t.app, linkFrom(withdrawMail, '/s/confirm/'));
    await withdrawByLink(linkFrom(withdrawMail, '/s/withdraw/'));
    const erasedEmail = anEmail('erased');
    await aSignature(t.db, letter, { email: erasedEmail });
    await eraseSigner(t.db, erasedEmail);
    // Bounced: the mail server refuses the address for good.
    const bouncing = anEmail('nobody');
    t.smtp.refuseRecipient((a) => a === bouncing);
    try {
      const bb = browser(t.app);
      const csrf = await bb.csrfFrom(`/letters/${letter.slug}`);
      await bb.agent
        .post(`/letters/${letter.slug}/sign`)
        .type('form')
        .send({ ...signForm({ email: bouncing }), _csrf: csrf })
        .expect(303);
      const deadline = Date.now() + 15_000;
      let status = 'pending';
      while (status !== 'bounced' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        [{ status }] = await t.db.query<Array<{ status: string }>>(`SELECT status FROM signatures WHERE email = $1`, [
          bouncing,
        ]);
      }
    } finally {
      t.smtp.refuseRecipient(null);
    }
    // Paper: two imported, one of them matching an online signature.
    await aSignature(t.db, letter, { source: 'paper', email: null, visibility: 'private' });
    const matched = await aSignature(t.db, letter, { source: 'paper', email: null, visibility: 'private' });
    await t.db.query(`UPDATE signatures SET matched_online = true WHERE id = $1`, [matched.id]);
  });

  test('every figure is exact, and counted = confirmed − held − invalidated', async () => {
    const r = await jsonReport(letter);
    // 3 + 1 by link + 1 released + 2 paper
    expect(r.counted).toBe(7);
    expect(r.held).toBe(1);
    // the fake name and the confirmed one of the spam run
    expect(r.invalidated).toBe(2);
    expect(r.confirmed).toBe(10);
    expect(r.counted).toBe((r.confirmed as number) - (r.held as number) - (r.invalidated as number));
    expect(r.counted).toBe(await verifiedCount(t.db, letter.id));
    expect(r.invalidatedByCategory).toEqual({
      'duplicate-person': 0,
      'fake-name': 1,
      'bulk-bot': 3,
      'requested-by-person': 0,
      other: 0,
    });
    expect(r.invalidatedTotal).toBe(4);
    // two waiting, one erased by retention, one "This wasn't me"
    expect(r.neverConfirmed).toBe(4);
    expect(r.awaiting).toBe(2);
    expect(r.disowned).toBe(1);
    expect(r.released).toBe(1);
    expect(r.withdrawn).toBe(2);
    expect(r.bounced).toBe(1);
    expect(r.paper).toBe(2);
    expect(r.paperMatched).toBe(1);
  });

  test('folding the deltas changes no figure, and leaves none behind', async () => {
    const before = await jsonReport(letter);
    await foldIntegrityDeltas(t.db);
    const [{ n }] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM integrity_deltas WHERE letter_id = $1`,
      [letter.id],
    );
    expect(Number(n)).toBe(0);
    expect(await jsonReport(letter)).toEqual(before);
  });

  test('a set-based bulk change (every held signature released in one UPDATE) is counted with no code of its own', async () => {
    const other = await aLetterOf(t.db, await anOrganiser(t.db), 'owner');
    for (let i = 0; i < 3; i++) await aSignature(t.db, other, { heldReason: 'burst-ip' });
    await t.db.query(
      `UPDATE signatures SET held_reason = NULL, released_at = now() WHERE letter_id = $1 AND held_reason IS NOT NULL`,
      [other.id],
    );
    await t.db.query(
      `UPDATE signatures SET status = 'invalidated', invalidated_category = 'duplicate-person' WHERE id = (SELECT id FROM signatures WHERE letter_id = $1 LIMIT 1)`,
      [other.id],
    );
    const r = await jsonReport(other);
    expect(r).toMatchObject({ counted: 2, held: 0, released: 3, invalidated: 1, confirmed: 3 });
    expect(r.invalidatedByCategory['duplicate-person']).toBe(1);
  });

  test("the page explains each figure in the reader's language, and names nobody", async () => {
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}/integrity`).expect(200);
    expect(page.text).toContain('How the signatures were checked');
    expect(page.text).toContain('Counted = confirmed − held − invalidated: 7 = 10 − 1 − 2');
    expect(page.text).toMatch(/Fake or joke name<\/th><td class="num">1</);
    expect(page.text).not.toContain('Mickey Mouse');
    expect(page.text).not.toContain('spam.example');
    expect(page.text).not.toContain('A cartoon');
    const uk = await browser(t.app)
      .agent.get(`/letters/${letter.slug}/integrity`)
      .set('Accept-Language', 'uk')
      .expect(200);
    expect(uk.text).toContain('Як перевіряли підписи');
    const letterPage = await browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
    expect(letterPage.text).toContain(`href="/letters/${letter.slug}/integrity"`);
  });

  test('a letter nobody can see has no integrity page', async () => {
    const draft = await aLetterOf(t.db, await anOrganiser(t.db), 'owner', { status: 'draft' });
    await browser(t.app).agent.get(`/letters/${draft.slug}/integrity`).expect(404);
  });
});
