/**
 * Moderation in /admin: each decision (approve, ask for changes, reject with a published reason),
 * each recorded in the decisions table, the letter's trail and the instance's trail, each emailed
 * to the starter; the second review, decided by another admin only; who may see /admin at all.
 */
import request from 'supertest';
import { setAdmin } from '../../../src/core/access/organisers.service';
import { Letter } from '../../../src/core/letters/letter.entity';
import type { Organiser } from '../../../src/core/access/organiser.entity';
import { anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { aNewAddress, setStartPolicy, startALetter, startJourney } from '../../support/start';
import { browser, useTestApp } from '../../support/test-app';

afterAll(() => setStartPolicy(t.db, 'invited'));
const t = useTestApp();

let adminA: Organiser;
let adminB: Organiser;
let asA: Browser;
let asB: Browser;
beforeAll(async () => {
  await setStartPolicy(t.db, 'approve');
  adminA = await anOrganiser(t.db, { name: 'Admin Alma' });
  adminB = await anOrganiser(t.db, { name: 'Admin Bek' });
  await setAdmin(t.db, adminA.email, true);
  await setAdmin(t.db, adminB.email, true);
  asA = await signInAs(t.app, t.smtp, adminA.email);
  asB = await signInAs(t.app, t.smtp, adminB.email);
});

/** A new person's letter, sent for review: the starter's address, browser and the letter's slug. */
async function aSubmittedLetter(title = `A letter ${Date.now()}`) {
  const email = aNewAddress();
  const { b } = await startJourney(t, email);
  const slug = await startALetter(b, { title });
  const sent = await postForm(b, `/start/letters/${slug}`, `/start/letters/${slug}/submit`);
  expect(sent.headers.location).toContain('done=submitted');
  return { email, b, slug };
}

const letterOf = (slug: string) => t.db.getRepository(Letter).findOneByOrFail({ slug });
const decide = (as: Browser, slug: string, form: Record<string, string>) =>
  postForm(as, `/admin/review/${slug}`, `/admin/review/${slug}`, form);

describe('who may see /admin', () => {
  test('a signed-out visitor is sent to sign in; an organiser who is no admin is refused in words', async () => {
    const out = await request(t.app).get('/admin');
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const refused = await b.agent.get('/admin/settings');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Only an admin of this site can do this.');
    const post = await b.agent
      .post('/admin/settings')
      .type('form')
      .send({ startPolicy: 'open', _csrf: await b.csrfFrom('/organise') });
    expect(post.status).toBe(403);
  });
});

describe('the decisions', () => {
  test('approve: the letter opens and is public; recorded three times; the starter is emailed', async () => {
    const { email, slug } = await aSubmittedLetter();
    const queue = await asA.agent.get('/admin').expect(200);
    expect(queue.text).toContain(`/admin/review/${slug}`);
    const res = await decide(asA, slug, { decision: 'approve', note: '' });
    expect(res.status).toBe(303);
    const letter = await letterOf(slug);
    expect(letter).toMatchObject({ reviewState: 'approved', status: 'open' });
    await request(t.app).get(`/letters/${slug}`).expect(200);
    const [d] = await t.db.query(
      `SELECT decision, admin_id, second_review FROM letter_review_decisions WHERE letter_id = $1`,
      [letter.id],
    );
    expect(d).toEqual({ decision: 'approve', admin_id: adminA.id, second_review: false });
    const trail = await t.db.query(`SELECT kind FROM audit_events WHERE letter_id = $1 ORDER BY id`, [letter.id]);
    expect(trail.map((r: { kind: string }) => r.kind)).toEqual(
      expect.arrayContaining(['admin.review-submitted', 'admin.review-approve']),
    );
    const [audit] = await t.db.query(`SELECT actor_id, action, detail FROM instance_audit WHERE detail->>'slug' = $1`, [
      slug,
    ]);
    expect(audit).toMatchObject({ actor_id: adminA.id, action: 'admin.letter-approve' });
    const [mail] = await t.smtp.waitFor(email, 2); // the sign-in link, then the decision
    expect(t.smtp.to(email)[1].subject).toContain('Your letter is published');
    expect(mail).toBeDefined();
    expect((await asA.agent.get('/admin/audit').expect(200)).text).toContain(`Approved the letter ${slug}`);
  });

  test('ask for changes: a message is needed; the starter reads it, edits, answers and sends again', async () => {
    const { email, b, slug } = await aSubmittedLetter();
    const noNote = await decide(asA, slug, { decision: 'changes', note: '' });
    expect(noNote.status).toBe(422);
    expect(noNote.text).toContain('Write what should change.');
    await decide(asA, slug, { decision: 'changes', note: 'Please name the ministry that decides.' }).then((r) =>
      expect(r.status).toBe(303),
    );
    expect((await letterOf(slug)).reviewState).toBe('changes_requested');
    await request(t.app).get(`/letters/${slug}`).expect(404);
    const mails = await t.smtp.waitFor(email, 2);
    expect(mails[1].subject).toContain('Changes asked');
    expect(mails[1].text).toContain('Please name the ministry that decides.');
    const page = await b.agent.get(`/start/letters/${slug}`).expect(200);
    expect(page.text).toContain('Please name the ministry that decides.');

    const edit = await postForm(b, `/start/letters/${slug}/edit`, `/start/letters/${slug}/edit`, {
      recipient: 'The Ministry of Ecology',
      title: 'Trees for Abay Avenue',
      summary: 'We ask the Ministry of Ecology to fund two hundred trees.',
      body: 'Text, changed.',
      language: 'en',
      goal: '',
      closesAt: '',
      authorKind: 'organisation',
      authorName: 'Friends of Abay Avenue',
    });
    expect(edit.status).toBe(303);
    const resent = await postForm(b, `/start/letters/${slug}`, `/start/letters/${slug}/submit`, {
      reply: 'Named the ministry.',
    });
    expect(resent.headers.location).toContain('done=submitted');
    const review = await asA.agent.get(`/admin/review/${slug}`).expect(200);
    expect(review.text).toContain('Named the ministry.');
    expect(review.text).toContain('The Ministry of Ecology');
  });

  test('reject: only with a published reason; the starter reads the reason and may ask once for a second review', async () => {
    const { email, b, slug } = await aSubmittedLetter();
    const noReason = await decide(asA, slug, { decision: 'reject', reason: '', note: '' });
    expect(noReason.status).toBe(422);
    const made = await decide(asA, slug, { decision: 'reject', reason: 'duplicate', note: 'Sign the existing one.' });
    expect(made.status).toBe(303);
    expect((await letterOf(slug)).reviewState).toBe('rejected');
    const mails = await t.smtp.waitFor(email, 2);
    expect(mails[1].text).toContain('Duplicate of a letter already on this site');
    expect(mails[1].text).toContain('second review');
    const page = await b.agent.get(`/start/letters/${slug}`).expect(200);
    expect(page.text).toContain('Duplicate of a letter already on this site');

    // The second review: not by the admin who rejected it, enforced on the server.
    const asked = await postForm(b, `/start/letters/${slug}`, `/start/letters/${slug}/second-review`, {
      reply: 'It is not the same letter.',
    });
    expect(asked.headers.location).toContain('done=requested');
    expect((await letterOf(slug)).reviewState).toBe('submitted');
    const byA = await decide(asA, slug, { decision: 'approve', note: '' });
    expect(byA.status).toBe(403);
    expect(byA.text).toContain('must be decided by another admin');
    expect((await letterOf(slug)).reviewState).toBe('submitted');
    const byB = await decide(asB, slug, { decision: 'reject', reason: 'duplicate', note: '' });
    expect(byB.status).toBe(303);
    const rows = await t.db.query(
      `SELECT admin_id, decision, second_review FROM letter_review_decisions WHERE letter_id = $1 ORDER BY id`,
      [(await letterOf(slug)).id],
    );
    expect(rows).toEqual([
      { admin_id: adminA.id, decision: 'reject', second_review: false },
      { admin_id: adminB.id, decision: 'reject', second_review: true },
    ]);
    // Once only.
    // The page offers it no more; a hand-made request is refused as well.
    const again = await postForm(b, '/start/new', `/start/letters/${slug}/second-review`);
    expect(again.headers.location).toContain('done=already-asked');
    expect((await letterOf(slug)).reviewState).toBe('rejected');
  });

  test('a decision on a letter that is not waiting is refused', async () => {
    const { slug } = await aSubmittedLetter();
    await decide(asA, slug, { decision: 'approve', note: '' });
    const twice = await decide(asB, slug, { decision: 'reject', reason: 'hateful', note: '' });
    expect(twice.status).toBe(409);
  });
});

describe('settings', () => {
  test('an admin changes who may start a letter, with the change in the trail; bad input is a 422', async () => {
    const bad = await postForm(asA, '/admin/settings', '/admin/settings', {
      startPolicy: 'everyone',
      cosponsorsRequired: '0',
    });
    expect(bad.status).toBe(422);
    const page = await asA.agent.get('/admin/settings').expect(200);
    expect(page.text).toContain('private site whose people all know each other');
    const ok = await postForm(asA, '/admin/settings', '/admin/settings', {
      startPolicy: 'open',
      cosponsorsRequired: '3',
      rulesText: 'Letters must address someone who can act.',
    });
    expect(ok.status).toBe(303);
    const [row] = await t.db.query(`SELECT start_policy, cosponsors_required, rules_text FROM instance_settings`);
    expect(row).toEqual({
      start_policy: 'open',
      cosponsors_required: 3,
      rules_text: 'Letters must address someone who can act.',
    });
    const [audit] = await t.db.query(
      `SELECT actor_id, detail FROM instance_audit WHERE action = 'admin.settings-changed' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toEqual({
      actor_id: adminA.id,
      detail: { startPolicy: 'open', cosponsorsRequired: 3, rulesChanged: true },
    });
    await postForm(asA, '/admin/settings', '/admin/settings', {
      startPolicy: 'approve',
      cosponsorsRequired: '0',
      rulesText: '',
    });

    const reasons = await postForm(asA, '/admin/settings', '/admin/settings/reasons', {
      label_duplicate: '',
      active_duplicate: 'on',
      'label_no-addressee': '',
      'active_no-addressee': 'on',
      label_hateful: '',
      active_hateful: 'on',
      label_unlawful: '',
      newLabel: 'Advertising',
    });
    expect(reasons.status).toBe(303);
    const keys = await t.db.query(`SELECT key, active FROM rejection_reasons ORDER BY position`);
    expect(keys).toEqual(
      expect.arrayContaining([
        { key: 'unlawful', active: false },
        expect.objectContaining({ key: expect.stringMatching(/^advertising-/), active: true }),
      ]),
    );
  });

  test('the admins’ pages list every letter and organiser, paginated', async () => {
    const { slug } = await aSubmittedLetter();
    const letters = await asA.agent.get('/admin/letters').expect(200);
    expect(letters.text).toContain(`/admin/review/${slug}`);
    expect(letters.text).toContain('Waiting for review');
    await asA.agent.get('/admin/letters?before=not-a-uuid').expect(400);
    // Fifty organisers a page, by address: other files' organisers in this database come first or
    // not, so the pages are walked by their "next" links until the admin is found.
    let path: string | undefined = '/admin/organisers';
    let found = false;
    for (let pages = 0; path && !found && pages < 100; pages++) {
      const page: { text: string } = await asA.agent.get(path).expect(200);
      found = page.text.includes(adminB.email);
      path = /<a href="(\/admin\/organisers\?after=[^"]+)" rel="next">/.exec(page.text)?.[1].replace(/&amp;/g, '&');
    }
    expect(found).toBe(true);
  });
});

describe('unreachable without a browser session', () => {
  test('a stranger cannot decide', async () => {
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/login');
    const res = await b.agent.post('/admin/review/whatever').type('form').send({ decision: 'approve', _csrf: csrf });
    expect(res.status).toBe(303);
  });
});
