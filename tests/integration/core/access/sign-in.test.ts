import request from 'supertest';
import { anOrganiser, signInAs, signInLink } from '../../../support/organisers';
import { browser, useTestApp } from '../../../support/test-app';

const t = useTestApp();

async function askForLink(email: string) {
  const b = browser(t.app);
  const csrf = await b.csrfFrom('/login');
  const res = await b.agent.post('/login').type('form').send({ email, _csrf: csrf });
  return { b, res };
}

function sessionCookie(setCookie: string[] | string | undefined): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return list.find((c) => c.startsWith('sid='));
}

describe('magic-link sign-in', () => {
  test('an organiser signs in by the emailed link and lands in the workspace', async () => {
    const organiser = await anOrganiser(t.db, { name: 'Оксана Шевченко' });
    const { res } = await askForLink(`  ${organiser.email.toUpperCase()} `);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');

    const [mail] = await t.smtp.waitFor(organiser.email);
    expect(mail.subject).toBe('Your sign-in link for Undersigned');
    expect(mail.text).toContain('Оксана Шевченко');
    expect(mail.text).toContain('expires in 15 minutes');
    expect(mail.text).toContain("If this wasn't you, ignore this email");
    expect(mail.html).toContain('>Sign in</a>');
    const link = await signInLink(t.smtp, organiser.email, 0);
    expect(mail.html).toContain(`http://undersigned.test${link}`);

    const b = browser(t.app);
    // Opening the link (as a mail scanner would) does not use it.
    for (let i = 0; i < 2; i++) {
      const page = await b.agent.get(link).expect(200);
      expect(page.text).toContain('Press the button to finish signing in');
    }
    const csrf = await b.csrfFrom(link);
    const done = await b.agent.post(link).type('form').send({ _csrf: csrf });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/organise');
    const workspace = await b.agent.get('/organise').expect(200);
    expect(workspace.text).toContain('My letters');
    expect(workspace.text).toContain('Оксана Шевченко');
  });

  test('a sign-in link works once: a second press gets a clear page and no session', async () => {
    const organiser = await anOrganiser(t.db);
    await askForLink(organiser.email);
    const link = await signInLink(t.smtp, organiser.email, 0);
    const first = browser(t.app);
    const firstCsrf = await first.csrfFrom(link);
    await first.agent.post(link).type('form').send({ _csrf: firstCsrf }).expect(303);

    const second = browser(t.app);
    const page = await second.agent.get(link);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This sign-in link has already been used');
    const csrf = await second.csrfFrom('/login');
    const again = await second.agent.post(link).type('form').send({ _csrf: csrf });
    expect(again.status).toBe(410);
    expect(again.text).toContain('This sign-in link has already been used');
    const workspace = await second.agent.get('/organise');
    expect(workspace.status).toBe(303);
    expect(workspace.headers.location).toBe('/login');
  });

  test('an expired sign-in link gets a clear page and signs nobody in', async () => {
    const organiser = await anOrganiser(t.db);
    await askForLink(organiser.email);
    const link = await signInLink(t.smtp, organiser.email, 0);
    await t.db.query(`UPDATE tokens SET expires_at = now() - interval '1 second' WHERE organiser_id = $1`, [
      organiser.id,
    ]);
    const b = browser(t.app);
    const page = await b.agent.get(link);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This sign-in link has expired');
    const loginCsrf = await b.csrfFrom('/login');
    const res = await b.agent.post(link).type('form').send({ _csrf: loginCsrf });
    expect(res.status).toBe(410);
    expect(res.text).toContain('This sign-in link has expired');
    expect((await b.agent.get('/organise')).status).toBe(303);
  });

  test('the token is valid for 15 minutes and stored only as a hash', async () => {
    const organiser = await anOrganiser(t.db);
    await askForLink(organiser.email);
    const link = await signInLink(t.smtp, organiser.email, 0);
    const raw = link.split('/').pop()!;
    const rows: Array<{ token_hash: string; minutes: number }> = await t.db.query(
      `SELECT token_hash, extract(epoch FROM expires_at - created_at) / 60 AS minutes FROM tokens WHERE organiser_id = $1`,
      [organiser.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).not.toContain(raw);
    expect(Math.round(Number(rows[0].minutes))).toBe(15);
  });

  test('an unknown address gets exactly the same page and no email is sent', async () => {
    const organiser = await anOrganiser(t.db);
    const known = await askForLink(organiser.email);
    const unknownEmail = `nobody-${Date.now()}@example.org`;
    const unknown = await askForLink(unknownEmail);
    expect(unknown.res.status).toBe(known.res.status);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');
    expect(strip(unknown.res.text)).toBe(strip(known.res.text));
    await t.smtp.waitFor(organiser.email);
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.smtp.to(unknownEmail)).toHaveLength(0);
    const jobs: Array<{ n: string }> = await t.db.query(
      `SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE payload::text LIKE $1`,
      [`%${unknownEmail}%`],
    );
    expect(Number(jobs[0].n)).toBe(0);
  });

  test('an invalid address is answered with 422 and a message beside the field', async () => {
    const { res } = await askForLink('not-an-address');
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please enter a valid email address');
    expect(res.text).toContain('aria-describedby="email-error email-hint"');
  });

  test('the session cookie is HttpOnly and SameSite=Lax, and readers get none', async () => {
    const reader = await browser(t.app).agent.get('/');
    expect(sessionCookie(reader.headers['set-cookie'])).toBeUndefined();
    const organiser = await anOrganiser(t.db);
    await askForLink(organiser.email);
    const link = await signInLink(t.smtp, organiser.email, 0);
    const b = browser(t.app);
    const linkCsrf = await b.csrfFrom(link);
    const res = await b.agent.post(link).type('form').send({ _csrf: linkCsrf });
    const cookie = sessionCookie(res.headers['set-cookie']);
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).toMatch(/; Expires=/i);
  });

  test('signing in rotates the session id', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const before = await t.db.query<Array<{ sid: string }>>(`SELECT sid FROM session WHERE sess::text LIKE $1`, [
      `%${organiser.id}%`,
    ]);
    expect(before).toHaveLength(1);
    // Signing in again from the same browser (its session cookie sent along) gives a new id.
    const known = t.smtp.to(organiser.email).length;
    const workspaceCsrf = await b.csrfFrom('/organise');
    await b.agent.post('/login').type('form').send({ email: organiser.email, _csrf: workspaceCsrf }).expect(200);
    const link = await signInLink(t.smtp, organiser.email, known);
    const againCsrf = await b.csrfFrom(link);
    const res = await b.agent.post(link).type('form').send({ _csrf: againCsrf });
    expect(res.status).toBe(303);
    const after = await t.db.query<Array<{ sid: string }>>(`SELECT sid FROM session WHERE sess::text LIKE $1`, [
      `%${organiser.id}%`,
    ]);
    expect(after).toHaveLength(1);
    expect(after[0].sid).not.toBe(before[0].sid);
    await b.agent.get('/organise').expect(200);
  });

  test('signing out ends the session', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const csrf = await b.csrfFrom('/organise');
    const res = await b.agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect((await b.agent.get('/organise')).headers.location).toBe('/login');
    const rows = await t.db.query<unknown[]>(`SELECT sid FROM session WHERE sess::text LIKE $1`, [`%${organiser.id}%`]);
    expect(rows).toHaveLength(0);
  });

  test('using one sign-in link voids the other unused links of that organiser', async () => {
    const organiser = await anOrganiser(t.db);
    await askForLink(organiser.email);
    const first = await signInLink(t.smtp, organiser.email, 0);
    await askForLink(organiser.email);
    const second = await signInLink(t.smtp, organiser.email, 1);
    expect(second).not.toBe(first);

    const b = browser(t.app);
    const csrf = await b.csrfFrom(second);
    expect((await b.agent.post(second).type('form').send({ _csrf: csrf })).status).toBe(303);

    const other = browser(t.app);
    const page = await other.agent.get(first);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This sign-in link has already been used');
    const otherCsrf = await other.csrfFrom('/login');
    expect((await other.agent.post(first).type('form').send({ _csrf: otherCsrf })).status).toBe(410);
    expect((await other.agent.get('/organise')).headers.location).toBe('/login');
    const unused: Array<{ n: string }> = await t.db.query(
      `SELECT count(*) AS n FROM tokens WHERE organiser_id = $1 AND purpose = 'sign-in' AND used_at IS NULL`,
      [organiser.id],
    );
    expect(Number(unused[0].n)).toBe(0);
  });

  test('a session ends after its absolute lifetime even when in use all along', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    await b.agent.get('/organise').expect(200);
    const ageSignIn = (days: number) =>
      t.db.query(
        `UPDATE session SET sess = jsonb_set(sess::jsonb, '{signedInAt}', to_jsonb((extract(epoch FROM now() - $2::float8 * interval '1 day') * 1000)::bigint))::json
         WHERE sess::text LIKE $1`,
        [`%${organiser.id}%`, days],
      );
    // Six days after signing in, used a minute ago: still signed in (the rolling 8 hours are fresh).
    await ageSignIn(6);
    await b.agent.get('/organise').expect(200);
    // Seven days and a bit: over, however recently it was used.
    await ageSignIn(7.01);
    const res = await b.agent.get('/organise');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    const rows = await t.db.query<unknown[]>(`SELECT sid FROM session WHERE sess::text LIKE $1`, [`%${organiser.id}%`]);
    expect(rows).toHaveLength(0);
  });

  test('an organiser whose session is past its lifetime signs in again from the same browser', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const known = t.smtp.to(organiser.email).length;
    await askForLink(organiser.email);
    const link = await signInLink(t.smtp, organiser.email, known);
    // The link opened in a tab without the session (its form token is an anonymous one), then
    // pressed with the browser's old session cookie, which has just passed its lifetime.
    const tab = browser(t.app);
    const csrf = await tab.csrfFrom(link);
    const cookies = (agent: typeof b.agent) =>
      agent.jar
        .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
        .map((c) => `${c.name}=${c.value}`);
    const sid = cookies(b.agent).find((c) => c.startsWith('sid='))!;
    const csrfCookie = cookies(tab.agent).find((c) => c.startsWith('csrf='))!;
    await t.db.query(`UPDATE session SET sess = (sess::jsonb - 'signedInAt')::json WHERE sess::text LIKE $1`, [
      `%${organiser.id}%`,
    ]);
    const res = await request(t.app)
      .post(link)
      .set('Cookie', `${sid}; ${csrfCookie}`)
      .type('form')
      .send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/organise');
    const fresh = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .filter((c) => c.startsWith('sid='))
      .pop()!;
    expect(fresh).not.toContain(sid);
    await request(t.app).get('/organise').set('Cookie', fresh.split(';')[0]).expect(200);
  });

  test('a session without a recorded sign-in time (from before the absolute lifetime) is ended', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    await t.db.query(`UPDATE session SET sess = (sess::jsonb - 'signedInAt')::json WHERE sess::text LIKE $1`, [
      `%${organiser.id}%`,
    ]);
    expect((await b.agent.get('/organise')).headers.location).toBe('/login');
  });

  test('the workspace sends strangers to the sign-in page', async () => {
    const res = await browser(t.app).agent.get('/organise');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
  });
});
