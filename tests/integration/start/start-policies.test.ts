/**
 * A new person starts a letter from /start under each of the instance's three policies: the
 * sign-in link comes by real email; under 'invited' a stranger gets nothing and is told an admin
 * must invite them; under 'approve' the letter waits for review, unseen; under 'open' it is public at once.
 */
import request from 'supertest';
import { Organiser } from '../../../src/core/access/organiser.entity';
import { TASK_START_SIGN_IN_EMAIL } from '../../../src/features/start';
import { TASK_ORGANISER_SIGN_IN_EMAIL } from '../../../src/core/access/sign-in.service';
import { forgetUnconfirmedOrganisers } from '../../../src/features/admin';
import { Letter } from '../../../src/core/letters/letter.entity';
import { drained } from '../../support/jobs';
import { anOrganiser, postForm } from '../../support/organisers';
import { aNewAddress, setStartPolicy, startALetter, startJourney } from '../../support/start';
import { browser, useTestApp } from '../../support/test-app';

// Before the app's own afterAll (hooks run in the order they are declared): the app still runs.
afterAll(() => setStartPolicy(t.db, 'invited'));
const t = useTestApp();

describe("under 'invited' (the default)", () => {
  beforeAll(() => setStartPolicy(t.db, 'invited'));

  test('a stranger is told an admin must invite them, gets no email and no account', async () => {
    const email = aNewAddress();
    const b = browser(t.app);
    const page = await b.agent.get('/start').expect(200);
    expect(page.text).toContain('ask the people who run this site to invite you');
    const csrf = await b.csrfFrom('/start');
    const res = await b.agent.post('/start').type('form').send({ email, _csrf: csrf }).expect(200);
    expect(res.text).toContain('an admin must invite you first');
    await drained(t.db, TASK_ORGANISER_SIGN_IN_EMAIL);
    await drained(t.db, TASK_START_SIGN_IN_EMAIL);
    expect(t.smtp.to(email)).toHaveLength(0);
    expect(await t.db.getRepository(Organiser).findOneBy({ email })).toBeNull();
  });

  test('an organiser already here gets the same page and the sign-in link; their letter is published at once', async () => {
    const organiser = await anOrganiser(t.db);
    const { b, location } = await startJourney(t, organiser.email);
    expect(location).toBe('/organise');
    const slug = await startALetter(b);
    await request(t.app).get(`/letters/${slug}`).expect(404);
    const sent = await postForm(b, `/start/letters/${slug}`, `/start/letters/${slug}/submit`);
    expect(sent.headers.location).toBe(`/start/letters/${slug}?done=published`);
    await request(t.app).get(`/letters/${slug}`).expect(200);
  });

  test('the answer is a 422 in the reader’s language for an address that is none', async () => {
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/start?lang=fr');
    const res = await b.agent.post('/start?lang=fr').type('form').send({ email: 'not an address', _csrf: csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Saisissez une adresse e-mail valide');
  });
});

describe("under 'approve'", () => {
  beforeAll(() => setStartPolicy(t.db, 'approve'));

  test('a new person signs in by email, writes the letter, and it waits for review, unseen', async () => {
    const email = aNewAddress();
    const { b, location } = await startJourney(t, email);
    expect(location).toBe('/start/new');
    const organiser = await t.db.getRepository(Organiser).findOneByOrFail({ email });
    expect(organiser.unconfirmedSince).toBeNull();
    expect(organiser.isAdmin).toBe(false);

    const form = await b.agent.get('/start/new').expect(200);
    expect(form.text).toContain('A deadline helps');
    const slug = await startALetter(b);
    const page = await b.agent.get(`/start/letters/${slug}`).expect(200);
    expect(page.text).toContain('saved as a draft');
    expect(page.text).toContain('An admin will read it before it is public');
    const preview = await b.agent.get(`/start/letters/${slug}/preview`).expect(200);
    expect(preview.text).toContain('Plant trees along Abay Avenue');
    expect(preview.text).toContain('A letter from Friends of Abay Avenue');

    const sent = await postForm(b, `/start/letters/${slug}`, `/start/letters/${slug}/submit`);
    expect(sent.headers.location).toBe(`/start/letters/${slug}?done=submitted`);
    const after = await b.agent.get(`/start/letters/${slug}?done=submitted`).expect(200);
    expect(after.text).toContain('Your letter is waiting for an admin');
    const letter = await t.db.getRepository(Letter).findOneByOrFail({ slug });
    expect(letter.reviewState).toBe('submitted');
    await request(t.app).get(`/letters/${slug}`).expect(404);
    expect((await request(t.app).get('/').expect(200)).text).not.toContain(slug);
  });

  test('a letter started in the workspace waits for review too', async () => {
    const organiser = await anOrganiser(t.db);
    const { b } = await startJourney(t, organiser.email);
    const csrf = await b.csrfFrom('/organise/letters/new');
    const res = await b.agent
      .post('/organise/letters')
      .type('form')
      .send({
        _csrf: csrf,
        slug: `workspace-${Date.now()}`,
        status: 'open',
        goal: '',
        closesAt: '',
        defaultLanguage: 'en',
        publicNamesDefault: 'private',
        tr0_language: 'en',
        tr0_title: 'A workspace letter',
        tr0_body: 'Text.',
        tr0_recipient: 'Someone',
      });
    expect(res.status).toBe(303);
    const letter = await t.db
      .getRepository(Letter)
      .findOneByOrFail({ slug: String(res.headers.location).split('/')[3] });
    expect(letter.reviewState).toBe('draft');
    await request(t.app).get(`/letters/${letter.slug}`).expect(404);
  });

  test('an address typed and never confirmed is forgotten a day later', async () => {
    const email = aNewAddress();
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/start');
    await b.agent.post('/start').type('form').send({ email, _csrf: csrf }).expect(200);
    await t.smtp.waitFor(email);
    const repo = t.db.getRepository(Organiser);
    expect((await repo.findOneByOrFail({ email })).unconfirmedSince).not.toBeNull();
    await forgetUnconfirmedOrganisers(t.ctx);
    expect(await repo.findOneBy({ email })).not.toBeNull();
    await t.db.query(`UPDATE organisers SET unconfirmed_since = now() - interval '25 hours' WHERE email = $1`, [email]);
    await forgetUnconfirmedOrganisers(t.ctx);
    expect(await repo.findOneBy({ email })).toBeNull();
  });
});

describe("under 'open'", () => {
  beforeAll(() => setStartPolicy(t.db, 'open'));

  test('a new person’s letter is public as soon as they publish it, with its author', async () => {
    const email = aNewAddress();
    const { b, location } = await startJourney(t, email);
    expect(location).toBe('/start/new');
    const slug = await startALetter(b, { authorKind: 'person', authorName: 'Aigerim S.' });
    const page = await b.agent.get(`/start/letters/${slug}`).expect(200);
    expect(page.text).toContain('It will be public at once');
    await request(t.app).get(`/letters/${slug}`).expect(404);
    const sent = await postForm(b, `/start/letters/${slug}`, `/start/letters/${slug}/submit`);
    expect(sent.headers.location).toBe(`/start/letters/${slug}?done=published`);
    const pub = await request(t.app).get(`/letters/${slug}`).expect(200);
    expect(pub.text).toContain('Started by Aigerim S.');
    expect(pub.text).not.toContain(email);
  });
});
