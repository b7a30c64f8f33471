import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, signInAs, signInLink, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp();

/** Every state-changing route of the workspace, for a letter and one of its signatures. */
function postRoutes(slug: string, signatureId: string): Array<{ path: string; form: Record<string, string> }> {
  return [
    {
      path: '/organise/letters',
      form: {
        slug: `${slug}-copy`,
        defaultLanguage: 'en',
        publicNamesDefault: 'private',
        tr0_language: 'en',
        tr0_title: 'T',
        tr0_body: 'B',
        tr0_recipient: 'R',
      },
    },
    {
      path: `/organise/letters/${slug}/edit`,
      form: {
        status: 'closed',
        defaultLanguage: 'en',
        publicNamesDefault: 'private',
        tr0_language: 'en',
        tr0_title: 'Hijacked',
        tr0_body: 'B',
        tr0_recipient: 'R',
      },
    },
    { path: `/organise/letters/${slug}/team`, form: { email: 'someone@example.org', role: 'owner' } },
    { path: `/organise/letters/${slug}/team/remove`, form: { organiserId: '00000000-0000-0000-0000-000000000000' } },
    { path: `/organise/letters/${slug}/signatures/${signatureId}/hide`, form: {} },
    { path: `/organise/letters/${slug}/signatures/${signatureId}/unhide`, form: {} },
    {
      path: `/organise/letters/${slug}/signatures/${signatureId}/invalidate`,
      form: { category: 'other', reason: 'spam' },
    },
    { path: `/organise/letters/${slug}/signatures/${signatureId}/release`, form: {} },
    {
      path: `/organise/letters/${slug}/invalidate-domain`,
      form: { category: 'bulk-bot', domain: 'example.org', reason: 'spam' },
    },
    { path: `/organise/letters/${slug}/delivery`, form: { deliveredAt: '2026-01-01', deliveredTo: 'Someone' } },
    {
      path: `/organise/letters/${slug}/held/decide`,
      form: { by: 'confirmation', key: 'confirmed', decision: 'release' },
    },
    { path: `/organise/letters/${slug}/held/auto-release`, form: { enabled: 'on', minutes: '1' } },
    { path: '/logout', form: {} },
  ];
}

async function csrfOf(b: Browser): Promise<string> {
  return b.csrfFrom('/organise');
}

describe('access to the workspace', () => {
  test('an organiser who holds no role on a letter gets 404 for its dashboard, edit page and every action', async () => {
    const owner = await anOrganiser(t.db);
    const stranger = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open' });
    const sig = await aSignature(t.db, letter, { fullName: 'Secret Signer' });
    const b = await signInAs(t.app, t.smtp, stranger.email);

    for (const path of [
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/edit`,
      `/organise/letters/${letter.slug}?q=Secret`,
    ]) {
      const res = await b.agent.get(path);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('Secret Signer');
    }
    for (const route of postRoutes(letter.slug, sig.id).filter((r) =>
      r.path.startsWith(`/organise/letters/${letter.slug}`),
    )) {
      const csrf = await csrfOf(b);
      const res = await b.agent
        .post(route.path)
        .type('form')
        .send({ ...route.form, _csrf: csrf });
      expect({ path: route.path, status: res.status }).toEqual({ path: route.path, status: 404 });
    }
    const after = await t.db.query<Array<{ hidden: boolean; status: string }>>(
      'SELECT hidden, status FROM signatures WHERE id = $1',
      [sig.id],
    );
    expect(after).toEqual([{ hidden: false, status: 'confirmed' }]);
    const l = await t.db.query<Array<{ status: string; delivered_at: Date | null }>>(
      'SELECT status, delivered_at FROM letters WHERE id = $1',
      [letter.id],
    );
    expect(l).toEqual([{ status: 'open', delivered_at: null }]);
  });

  test('an editor cannot manage the team: 403 with the reason', async () => {
    const owner = await anOrganiser(t.db);
    const editor = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    await t.db.query(`INSERT INTO letter_organisers (letter_id, organiser_id, role) VALUES ($1, $2, 'editor')`, [
      letter.id,
      editor.id,
    ]);
    const b = await signInAs(t.app, t.smtp, editor.email);
    const csrf = await csrfOf(b);
    const res = await b.agent
      .post(`/organise/letters/${letter.slug}/team`)
      .type('form')
      .send({ email: editor.email, role: 'owner', _csrf: csrf });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Only an owner of this letter can do this');
    const roles = await t.db.query<Array<{ role: string }>>(
      'SELECT role FROM letter_organisers WHERE organiser_id = $1',
      [editor.id],
    );
    expect(roles).toEqual([{ role: 'editor' }]);
  });

  test('every state-changing POST without a CSRF token is refused with 403', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    const sig = await aSignature(t.db, letter, { heldReason: 'burst' });
    const b = await signInAs(t.app, t.smtp, owner.email);
    const routes = [
      ...postRoutes(letter.slug, sig.id),
      { path: '/login', form: { email: owner.email } },
      { path: '/login/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', form: {} },
    ];
    for (const route of routes) {
      const res = await b.agent.post(route.path).type('form').send(route.form);
      expect({ path: route.path, status: res.status }).toEqual({ path: route.path, status: 403 });
      const forged = await b.agent
        .post(route.path)
        .type('form')
        .send({ ...route.form, _csrf: 'forged.value' });
      expect({ path: route.path, status: forged.status }).toEqual({ path: route.path, status: 403 });
    }
    // Nothing changed, and the session is still there.
    await b.agent.get('/organise').expect(200);
    const after = await t.db.query<Array<{ hidden: boolean; held_reason: string | null }>>(
      'SELECT hidden, held_reason FROM signatures WHERE id = $1',
      [sig.id],
    );
    expect(after).toEqual([{ hidden: false, held_reason: 'burst' }]);
  });

  test('a token issued before sign-in stops working once the session is signed in', async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner');
    const sig = await aSignature(t.db, letter);
    const b = browser(t.app);
    const anonymous = await b.csrfFrom('/login');
    await b.agent.post('/login').type('form').send({ email: owner.email, _csrf: anonymous }).expect(200);
    const link = await signInLink(t.smtp, owner.email, 0);
    await b.agent.post(link).type('form').send({ _csrf: anonymous }).expect(303);
    const hide = `/organise/letters/${letter.slug}/signatures/${sig.id}/hide`;
    expect((await b.agent.post(hide).type('form').send({ _csrf: anonymous })).status).toBe(403);
    const bound = await b.csrfFrom('/organise');
    expect(bound).not.toBe(anonymous);
    expect((await b.agent.post(hide).type('form').send({ _csrf: bound })).status).toBe(303);
  });

  test('strangers are sent to sign in from every workspace page', async () => {
    for (const path of [
      '/organise',
      '/organise/letters/new',
      '/organise/letters/anything',
      '/organise/letters/anything/edit',
    ]) {
      const res = await browser(t.app).agent.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login');
    }
  });
});
