import { Letter } from '../../../src/core/letters/letter.entity';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { grantRole } from '../../../src/core/access/organisers.service';
import { aLetterOf, anOrganiser, letterForm, postForm, signInAs, type Browser } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp();

let n = 0;
const uniqueSlug = () => `workspace-letter-${Date.now().toString(36)}-${++n}`;

async function create(b: Browser, form: Record<string, string>) {
  return postForm(b, '/organise/letters/new', '/organise/letters', { ...form, action: 'save' });
}

describe('the workspace', () => {
  test('each version may have a short title (at most 70 characters) for page titles and share cards', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const page = (await b.agent.get('/organise/letters/new').expect(200)).text;
    expect(page).toMatch(/<input id="tr0_shortTitle" name="tr0_shortTitle" type="text" maxlength="70"/);
    expect(page).toContain('<label for="tr0_shortTitle">Short title');

    const tooLong = await create(b, letterForm(uniqueSlug(), { tr0_shortTitle: 'x'.repeat(71) }));
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toMatch(/id="tr0_shortTitle-error"/);

    const slug = uniqueSlug();
    expect(
      (await create(b, letterForm(slug, { tr0_shortTitle: '  Free the journalists now  ', tr1_shortTitle: '' })))
        .status,
    ).toBe(303);
    const letter = await t.db
      .getRepository(Letter)
      .findOneOrFail({ where: { slug }, relations: { translations: true } });
    const byLang = Object.fromEntries(letter.translations.map((x) => [x.language, x.shortTitle]));
    expect(byLang).toEqual({ en: 'Free the journalists now', uk: null });
    const edit = (await b.agent.get(`/organise/letters/${slug}/edit`).expect(200)).text;
    expect(edit).toContain('value="Free the journalists now"');
  });

  test('an organiser creates a letter in two languages, becomes its owner, and the draft stays invisible to the public', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const slug = uniqueSlug();
    const res = await create(b, letterForm(slug));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/organise/letters/${slug}/edit?saved=1`);

    const letter = await t.db
      .getRepository(Letter)
      .findOneOrFail({ where: { slug }, relations: { translations: true } });
    expect(letter.status).toBe('draft');
    expect(letter.goal).toBe(500);
    expect(letter.publicNamesDefault).toBe('initials');
    expect(letter.closesAt?.toISOString()).toBe('2030-12-31T23:59:59.000Z');
    expect(letter.translations.map((x) => x.language).sort()).toEqual(['en', 'uk']);
    const roles = await t.db.query<Array<{ role: string }>>(
      'SELECT role FROM letter_organisers WHERE letter_id = $1 AND organiser_id = $2',
      [letter.id, organiser.id],
    );
    expect(roles).toEqual([{ role: 'owner' }]);

    const list = await b.agent.get('/organise').expect(200);
    expect(list.text).toContain('Free the journalists');
    expect(list.text).toContain('Draft');

    const edit = await b.agent.get(`/organise/letters/${slug}/edit`).expect(200);
    expect(edit.text).toContain('Звільніть журналістів');

    expect((await browser(t.app).agent.get(`/letters/${slug}`)).status).toBe(404);
    expect((await browser(t.app).agent.get(`/letters/${slug}.json`)).status).toBe(404);
    // Other tests of the run publish letters with the same title: the draft is known by its slug.
    expect((await browser(t.app).agent.get('/')).text).not.toContain(`/letters/${slug}`);
  });

  test('preview renders the Markdown without saving anything', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const slug = uniqueSlug();
    const res = await postForm(b, '/organise/letters/new', '/organise/letters', {
      ...letterForm(slug, { tr0_body: 'We ask for **justice** <script>alert(1)</script>' }),
      action: 'preview',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<strong>justice</strong>');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('<strong>звільнити</strong>');
    expect(await t.db.getRepository(Letter).countBy({ slug })).toBe(0);
  });

  test('a taken slug, a bad slug and a missing title are answered with 422 and messages beside the fields', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const existing = await aLetterOf(t.db, organiser);
    const taken = await create(b, letterForm(existing.slug));
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('This address is already taken by another letter');
    expect(taken.text).toContain('aria-describedby="slug-error slug-hint"');

    const bad = await create(b, letterForm('Not A Slug', { tr1_title: '' }));
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Use lower-case letters, digits and single hyphens');
    expect(bad.text).toContain('id="tr1_title-error"');
    expect(bad.text).toContain('value="Not A Slug"');
  });

  test('an owner edits the text, adds and removes a version, and publishes the letter', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const slug = uniqueSlug();
    await create(b, letterForm(slug));
    const form = letterForm(slug, {
      status: 'open',
      tr0_title: 'Free all the journalists',
      tr1_remove: 'on',
      tr2_language: 'fr',
      tr2_title: 'Libérez les journalistes',
      tr2_body: 'Nous demandons leur **libération**.',
      tr2_recipient: 'Au ministre de la Justice',
    });
    const res = await postForm(b, `/organise/letters/${slug}/edit`, `/organise/letters/${slug}/edit`, {
      ...form,
      action: 'save',
    });
    expect(res.status).toBe(303);
    const letter = await t.db
      .getRepository(Letter)
      .findOneOrFail({ where: { slug }, relations: { translations: true } });
    expect(letter.status).toBe('open');
    expect(letter.translations.map((x) => x.language).sort()).toEqual(['en', 'fr']);

    const fr = await browser(t.app).agent.get(`/letters/${slug}?lang=fr`).expect(200);
    expect(fr.text).toContain('Libérez les journalistes');
    expect(fr.text).toContain('<strong>libération</strong>');
    const en = await browser(t.app).agent.get(`/letters/${slug}?lang=en`).expect(200);
    expect(en.text).toContain('Free all the journalists');
    expect(en.text).toContain('name="fullName"');
  });

  test("a signer's confirmation page shows an edited title at once (the letter is cached per process)", async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const slug = uniqueSlug();
    await create(b, letterForm(slug, { status: 'open' }));
    const signer = browser(t.app);
    const csrf = await signer.csrfFrom(`/letters/${slug}`);
    const email = `cached-title-${n}@example.org`;
    await signer.agent
      .post(`/letters/${slug}/sign`)
      .type('form')
      .send({ fullName: 'Ася Касымова', email, country: 'KZ', visibility: 'public', _csrf: csrf })
      .expect(303);
    const [mail] = await t.smtp.waitFor(email);
    const link = new URL(linkFrom(mail, '/s/confirm/')).pathname;
    expect((await browser(t.app).agent.get(link).expect(200)).text).toContain('Free the journalists');

    const saved = await postForm(b, `/organise/letters/${slug}/edit`, `/organise/letters/${slug}/edit`, {
      ...letterForm(slug, { status: 'open', tr0_title: 'Free every journalist' }),
      action: 'save',
    });
    expect(saved.status).toBe(303);
    const page = (await browser(t.app).agent.get(link).expect(200)).text;
    expect(page).toContain('Free every journalist');
    expect(page).not.toContain('Free the journalists<');
  });

  test('an editor edits the text but cannot change the status or the slug', async () => {
    const owner = await anOrganiser(t.db);
    const editor = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open', title: 'Original title' });
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const b = await signInAs(t.app, t.smtp, editor.email);
    const page = await b.agent.get(`/organise/letters/${letter.slug}/edit`).expect(200);
    expect(page.text).not.toContain('name="status"');
    expect(page.text).not.toContain('name="slug"');

    const base = {
      goal: '100',
      closesAt: '',
      defaultLanguage: 'en',
      publicNamesDefault: 'private',
      tr0_language: 'en',
      tr0_title: 'Edited by the editor',
      tr0_body: 'Body',
      tr0_recipient: 'The Minister',
      action: 'save',
    };
    const closing = await postForm(
      b,
      `/organise/letters/${letter.slug}/edit`,
      `/organise/letters/${letter.slug}/edit`,
      { ...base, status: 'closed' },
    );
    expect(closing.status).toBe(403);
    const renaming = await postForm(
      b,
      `/organise/letters/${letter.slug}/edit`,
      `/organise/letters/${letter.slug}/edit`,
      { ...base, slug: `${letter.slug}-x` },
    );
    expect(renaming.status).toBe(403);
    let stored = await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id });
    expect(stored.status).toBe('open');
    expect(stored.slug).toBe(letter.slug);

    const edited = await postForm(
      b,
      `/organise/letters/${letter.slug}/edit`,
      `/organise/letters/${letter.slug}/edit`,
      base,
    );
    expect(edited.status).toBe(303);
    stored = await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id });
    expect(stored.status).toBe('open');
    const tr = await t.db.getRepository(LetterTranslation).findOneByOrFail({ letterId: letter.id, language: 'en' });
    expect(tr.title).toBe('Edited by the editor');
  });

  test('a closed letter shows its final count and no sign form', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const slug = uniqueSlug();
    await create(b, letterForm(slug, { status: 'open' }));
    const letter = await t.db.getRepository(Letter).findOneByOrFail({ slug });
    await t.db.query(
      `INSERT INTO signature_count_deltas (letter_id, country, delta) VALUES ($1, 'UA', 1), ($1, 'FR', 1)`,
      [letter.id],
    );
    const open = await browser(t.app).agent.get(`/letters/${slug}`).expect(200);
    expect(open.text).toContain('name="fullName"');

    const res = await postForm(b, `/organise/letters/${slug}/edit`, `/organise/letters/${slug}/edit`, {
      ...letterForm(slug, { status: 'closed' }),
      action: 'save',
    });
    expect(res.status).toBe(303);
    const closed = await browser(t.app).agent.get(`/letters/${slug}`).expect(200);
    expect(closed.text).toContain('2 verified signatures');
    expect(closed.text).toContain('This letter is closed');
    expect(closed.text).not.toContain('name="fullName"');
    expect(closed.text).not.toContain(`action="/letters/${slug}/sign`);
  });

  test('an owner invites an editor by address, who joins on accepting; the last owner cannot be removed', async () => {
    const owner = await anOrganiser(t.db);
    const colleague = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    const b = await signInAs(t.app, t.smtp, owner.email);
    const edit = `/organise/letters/${letter.slug}/edit`;
    const known = t.smtp.to(colleague.email).length;
    const added = await postForm(b, edit, `/organise/letters/${letter.slug}/team`, {
      email: colleague.email.toUpperCase(),
      role: 'editor',
    });
    expect(added.status).toBe(303);
    const rolesOf = () =>
      t.db.query<Array<{ role: string }>>(
        'SELECT role FROM letter_organisers WHERE letter_id = $1 AND organiser_id = $2',
        [letter.id, colleague.id],
      );
    expect(await rolesOf()).toEqual([]);
    const mails = await t.smtp.waitFor(colleague.email, known + 1);
    const link = new URL(linkFrom(mails[mails.length - 1], '/invitations/')).pathname;
    const cb = await signInAs(t.app, t.smtp, colleague.email);
    expect((await postForm(cb, link, link)).status).toBe(303);
    expect(await rolesOf()).toEqual([{ role: 'editor' }]);
    const invalid = await postForm(b, edit, `/organise/letters/${letter.slug}/team`, {
      email: 'not an address',
      role: 'editor',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('Please enter a valid email address');
    const lastOwner = await postForm(b, edit, `/organise/letters/${letter.slug}/team/remove`, {
      organiserId: owner.id,
    });
    expect(lastOwner.status).toBe(422);
    expect(lastOwner.text).toContain('A letter needs at least one owner');
  });
});
