import request from 'supertest';
import { LetterResponse } from '../../../src/features/updates/letter-response.entity';
import { LetterUpdate } from '../../../src/features/updates/letter-update.entity';
import { fanOut } from '../../../src/features/updates/updates.service';
import { TASK_UPDATE_EMAIL, TASK_UPDATE_FANOUT } from '../../../src/features/updates/updates.queue';
import { Signature } from '../../../src/features/signatures/signature.entity';
import { Letter } from '../../../src/core/letters/letter.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import type { ReceivedMail } from '../../support/smtp-sink';
import { useTestApp } from '../../support/test-app';
import { aSignatureOn } from '../../support/factories';
import { drained } from '../../support/jobs';

let owner: Awaited<ReturnType<typeof anOrganiser>>;
let ownerBrowser: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  ownerBrowser = await signInAs(t.app, t.smtp, owner.email);
});

function unsubscribePath(mail: ReceivedMail): string {
  const list = mail.headers.get('list') as { unsubscribe?: { url?: string } } | undefined;
  const url = list?.unsubscribe?.url;
  if (!url) throw new Error('no List-Unsubscribe url');
  return new URL(url).pathname;
}

async function sendUpdate(slug: string, subject: string, body: string) {
  const page = `/organise/letters/${slug}/updates`;
  const res = await postForm(ownerBrowser, page, page, { subject_en: subject, body_en: body, step: 'send' });
  expect(res.status).toBe(303);
  const update = await t.db.getRepository(LetterUpdate).findOneOrFail({ where: { subject } });
  await drained(t.db, TASK_UPDATE_FANOUT, update.id);
  await drained(t.db, TASK_UPDATE_EMAIL, update.id);
  return t.db.getRepository(LetterUpdate).findOneByOrFail({ id: update.id });
}

describe('email updates', () => {
  test('an update reaches exactly the opted-in confirmed signers, each in their language, with one-click unsubscribe headers', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Free the reporters' });
    const en = await aSignatureOn(t.db, letter.id, { language: 'en' });
    const uk = await aSignatureOn(t.db, letter.id, { language: 'uk' });
    const fr = await aSignatureOn(t.db, letter.id, { language: 'fr' });
    const pending = await aSignatureOn(t.db, letter.id, { status: 'pending' });
    const invalidated = await aSignatureOn(t.db, letter.id, { status: 'invalidated' });
    const optedOut = await aSignatureOn(t.db, letter.id, { wantsUpdates: false });
    const held = await aSignatureOn(t.db, letter.id, { heldReason: 'burst' });

    const update = await sendUpdate(
      letter.slug,
      'We delivered the letter',
      'The letter went to the **ministry** today.\n\n- 1,000 names\n- 12 countries',
    );
    expect(update.recipients).toBe(3);
    expect(update.sentAt).not.toBeNull();

    for (const s of [pending, invalidated, optedOut, held]) expect(t.smtp.to(s.email!)).toHaveLength(0);
    const [mailEn] = await t.smtp.waitFor(en.email!);
    const [mailUk] = await t.smtp.waitFor(uk.email!);
    const [mailFr] = await t.smtp.waitFor(fr.email!);
    for (const m of [mailEn, mailUk, mailFr]) {
      expect(m.subject).toBe('We delivered the letter');
      expect(m.html).toContain('<strong>ministry</strong>');
      expect(m.text).toContain('The letter went to the **ministry** today.');
      const list = m.headers.get('list') as Record<string, unknown>;
      expect(unsubscribePath(m)).toMatch(/^\/u\/[A-Za-z0-9_-]{43}$/);
      expect(JSON.stringify(list['unsubscribe-post'])).toContain('List-Unsubscribe=One-Click');
      expect(m.text).toContain(`http://undersigned.test${unsubscribePath(m)}`);
      expect(m.html).toContain(`href="http://undersigned.test${unsubscribePath(m)}"`);
    }
    expect(mailEn.text).toContain(`Hello ${en.fullName},`);
    expect(mailEn.text).toContain('Unsubscribe');
    expect(mailUk.text).toContain('Відписатися');
    expect(mailUk.text).toContain('Новини про');
    expect(mailFr.text).toContain('Se désinscrire');
    // The three links are different tokens, stored only as hashes.
    expect(new Set([mailEn, mailUk, mailFr].map(unsubscribePath)).size).toBe(3);
    const raw = unsubscribePath(mailEn).split('/').pop()!;
    const stored: Array<{ token_hash: string }> = await t.db.query(
      `SELECT token_hash FROM tokens WHERE purpose = 'unsubscribe'`,
    );
    expect(stored.some((r) => r.token_hash.includes(raw))).toBe(false);
  });

  test('opening the unsubscribe link shows a confirm page and changes nothing', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Close the camp' });
    const sig = await aSignatureOn(t.db, letter.id);
    await sendUpdate(letter.slug, `Update ${letter.slug}`, 'News.');
    const [mail] = await t.smtp.waitFor(sig.email!);
    for (let i = 0; i < 2; i++) {
      const page = await request(t.app).get(unsubscribePath(mail));
      expect(page.status).toBe(200);
      expect(page.text).toContain('Stop these emails?');
      expect(page.text).toContain('Close the camp');
      expect(page.text).toMatch(/<form method="post" action="\/u\/[A-Za-z0-9_-]+/);
    }
    expect((await t.db.getRepository(Signature).findOneByOrFail({ id: sig.id })).wantsUpdates).toBe(true);
    expect((await request(t.app).get('/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
  });

  test("the mail client's one-click POST, with no cookie and no CSRF token, unsubscribes; it is idempotent and the next update skips the signer", async () => {
    const letter = await aLetterOf(t.db, owner);
    const leaving = await aSignatureOn(t.db, letter.id);
    const staying = await aSignatureOn(t.db, letter.id);
    await sendUpdate(letter.slug, `First ${letter.slug}`, 'One.');
    const [mail] = await t.smtp.waitFor(leaving.email!);

    for (let i = 0; i < 2; i++) {
      const res = await request(t.app).post(unsubscribePath(mail)).type('form').send('List-Unsubscribe=One-Click');
      expect(res.status).toBe(200);
      expect(res.text).toContain('You are unsubscribed');
    }
    const after = await t.db.getRepository(Signature).findOneByOrFail({ id: leaving.id });
    expect(after.wantsUpdates).toBe(false);
    expect(after.status).toBe('confirmed'); // the signature itself stays

    const second = await sendUpdate(letter.slug, `Second ${letter.slug}`, 'Two.');
    expect(second.recipients).toBe(1);
    await t.smtp.waitFor(staying.email!, 2);
    expect(t.smtp.to(leaving.email!)).toHaveLength(1);
  });

  test('other POSTs still need the CSRF token: the exemption is for the unsubscribe link only', async () => {
    const letter = await aLetterOf(t.db, owner);
    const page = `/organise/letters/${letter.slug}/updates`;
    const noToken = await ownerBrowser.agent
      .post(page)
      .type('form')
      .send({ subject_en: 'x', body_en: 'y', step: 'send' });
    expect(noToken.status).toBe(403);
    const response = await ownerBrowser.agent
      .post(`/organise/letters/${letter.slug}/response`)
      .type('form')
      .send({ respondedOn: '2025-01-01', body: 'y' });
    expect(response.status).toBe(403);
    const digest = await ownerBrowser.agent.post('/organise/settings/digest').type('form').send({ digest: 'on' });
    expect(digest.status).toBe(403);
    expect(await t.db.getRepository(LetterUpdate).countBy({ letterId: letter.id })).toBe(0);
    // A look-alike path is not exempt.
    expect((await request(t.app).post('/u/short').type('form').send('List-Unsubscribe=One-Click')).status).toBe(403);
  });

  test("another organiser's letter answers 404, and an editor cannot mail signers (403)", async () => {
    const stranger = await anOrganiser(t.db);
    const theirs = await aLetterOf(t.db, stranger);
    for (const path of ['updates', 'response']) {
      expect((await ownerBrowser.agent.get(`/organise/letters/${theirs.slug}/${path}`)).status).toBe(404);
      const ownPage = `/organise/letters/${(await aLetterOf(t.db, owner)).slug}/${path}`;
      const res = await postForm(ownerBrowser, ownPage, `/organise/letters/${theirs.slug}/${path}`, {
        subject_en: 's',
        body_en: 'b',
        step: 'send',
        respondedOn: '2025-01-01',
      });
      expect(res.status).toBe(404);
    }
    const editorLetter = await aLetterOf(t.db, stranger);
    await grantRole(t.db, owner.email, editorLetter.slug, 'editor');
    expect((await ownerBrowser.agent.get(`/organise/letters/${editorLetter.slug}/updates`)).status).toBe(403);
    expect(await t.db.getRepository(LetterUpdate).countBy({ letterId: theirs.id })).toBe(0);
    // Not signed in: sent to the sign-in page.
    const anon = await request(t.app).get(`/organise/letters/${theirs.slug}/updates`);
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login');
  });

  test('an empty update is refused with a message per field and sends nothing', async () => {
    const letter = await aLetterOf(t.db, owner);
    const page = `/organise/letters/${letter.slug}/updates`;
    const res = await postForm(ownerBrowser, page, page, { subject_en: '  ', body_en: '', step: 'send' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please write a subject.');
    expect(res.text).toContain('Please write the text.');
    expect(await t.db.getRepository(LetterUpdate).countBy({ letterId: letter.id })).toBe(0);
  });

  test('the fan-out queues in batches and a retry resumes after the last queued signer', async () => {
    const letter = await aLetterOf(t.db, owner);
    const signers = [];
    for (let i = 0; i < 5; i++) signers.push(await aSignatureOn(t.db, letter.id));
    const update = await t.db.getRepository(LetterUpdate).save({
      letterId: letter.id,
      language: 'en',
      subject: `Batches ${letter.slug}`,
      bodyMarkdown: 'B.',
      createdBy: owner.id,
    });
    // As if a first run had queued the first two and then died.
    const firstTwo = signers.map((s) => s.id).sort()[1];
    await t.db.getRepository(LetterUpdate).update({ id: update.id }, { fanoutCursor: firstTwo, recipients: 2 });
    expect(await fanOut(t.ctx, { kind: 'update', id: update.id }, 2)).toBe(3);
    const done = await t.db.getRepository(LetterUpdate).findOneByOrFail({ id: update.id });
    expect(done.recipients).toBe(5);
    expect(done.sentAt).not.toBeNull();
    // A finished fan-out run again queues nothing.
    expect(await fanOut(t.ctx, { kind: 'update', id: update.id }, 2)).toBe(0);
    await drained(t.db, TASK_UPDATE_EMAIL, update.id);
    const mailed = signers
      .filter((s) => t.smtp.to(s.email!).length === 1)
      .map((s) => s.id)
      .sort();
    expect(mailed).toEqual(
      signers
        .map((s) => s.id)
        .sort()
        .slice(2),
    );
  });
});

describe('the official response', () => {
  test('is shown on the public letter page below the delivery and emailed to opted-in signers', async () => {
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Release the prisoners' });
    const optedIn = await aSignatureOn(t.db, letter.id, { language: 'ru' });
    const optedOut = await aSignatureOn(t.db, letter.id, { wantsUpdates: false });
    const page = `/organise/letters/${letter.slug}/response`;

    const early = await postForm(ownerBrowser, page, page, { respondedOn: '2025-10-01', body: 'Too early.' });
    expect(early.status).toBe(422);
    expect(early.text).toContain('This letter has not been delivered yet.');
    expect(await t.db.getRepository(LetterResponse).countBy({ letterId: letter.id })).toBe(0);

    await t.db
      .getRepository(Letter)
      .update(
        { id: letter.id },
        { deliveredAt: new Date('2025-09-15T10:00:00Z'), deliveredTo: 'The Ministry of Justice' },
      );
    const future = await postForm(ownerBrowser, page, page, { respondedOn: '2999-01-01', body: 'x' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('This date is in the future.');

    const res = await postForm(ownerBrowser, page, page, {
      respondedOn: '2025-10-01',
      body: 'The ministry will **review** every case.',
      link: 'https://justice.example.org/answer',
    });
    expect(res.status).toBe(303);
    const response = await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: letter.id });

    const publicPage = await request(t.app).get(`/letters/${letter.slug}?lang=en`);
    expect(publicPage.status).toBe(200);
    const delivered = publicPage.text.indexOf('Delivered to The Ministry of Justice');
    const shown = publicPage.text.indexOf('Official response');
    expect(delivered).toBeGreaterThan(-1);
    expect(shown).toBeGreaterThan(delivered);
    expect(publicPage.text).toContain('The ministry will <strong>review</strong> every case.');
    expect(publicPage.text).toContain('href="https://justice.example.org/answer"');

    await drained(t.db, TASK_UPDATE_FANOUT, response.id);
    await drained(t.db, TASK_UPDATE_EMAIL, response.id);
    const [mail] = await t.smtp.waitFor(optedIn.email!);
    expect(mail.subject).toBe('Официальные лица ответили: Release the prisoners');
    expect(mail.text).toContain('The ministry will **review** every case.');
    expect(mail.text).toContain('https://justice.example.org/answer');
    expect(unsubscribePath(mail)).toMatch(/^\/u\//);
    expect(t.smtp.to(optedOut.email!)).toHaveLength(0);
    expect((await t.db.getRepository(LetterResponse).findOneByOrFail({ id: response.id })).recipients).toBe(1);
  });
});
