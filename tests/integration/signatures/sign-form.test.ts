import request from 'supertest';
import { aLetter, anEmail, signForm } from '../../support/factories';
import { linkFrom } from '../../support/smtp-sink';
import { confirmByLink } from '../../support/journey';
import { browser, startTestApp, useTestApp } from '../../support/test-app';
import { Signature } from '../../../src/features/signatures/signature.entity';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';

const t = useTestApp();

async function post(slug: string, form: Record<string, string>, lang = 'en') {
  const b = browser(t.app);
  const csrf = await b.csrfFrom(`/letters/${slug}?lang=${lang}`);
  return b.agent
    .post(`/letters/${slug}/sign?lang=${lang}`)
    .type('form')
    .send({ ...form, _csrf: csrf });
}

describe('the sign form', () => {
  test('shows every field with a visible label, the three name choices, and updates unticked', async () => {
    const letter = await aLetter(t.db, { publicNamesDefault: 'private' });
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
    for (const id of ['fullName', 'email', 'country', 'city', 'organisation', 'wantsUpdates']) {
      expect(page.text).toMatch(new RegExp(`<label for="${id}">`));
      expect(page.text).toContain(`id="${id}"`);
    }
    expect(page.text).toContain('Show my name publicly');
    expect(page.text).toContain('Show only my initials publicly');
    expect(page.text).toContain('Keep my name private');
    // The letter's setting picks the default: private here.
    expect(page.text).toMatch(/value="private" checked/);
    expect(page.text).not.toMatch(/id="wantsUpdates"[^>]*checked/);
    // ISO 3166 countries, e.g. Kazakhstan and Ukraine
    expect(page.text).toContain('<option value="KZ"');
    expect(page.text).toContain('<option value="UA"');
  });

  test('invalid input re-renders the form with 422, values kept and a message beside each field', async () => {
    const letter = await aLetter(t.db);
    const res = await post(letter.slug, {
      fullName: 'Олена Ковальчук',
      email: 'not-an-email',
      country: 'XX',
      visibility: 'public',
      city: 'Львів',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('value="Олена Ковальчук"');
    expect(res.text).toContain('value="Львів"');
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).toMatch(/id="email-error"[^>]*>Please enter a valid email address/);
    expect(res.text).toMatch(/id="country-error"[^>]*>Please choose your country/);
    expect(res.text).toMatch(/id="email"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('role="alert"');
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(0);
  });

  test('an organisation signature needs the organisation named', async () => {
    const letter = await aLetter(t.db);
    const res = await post(letter.slug, signForm({ signedAs: 'organisation', organisation: '' }));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="organisation-error"/);
  });

  test("validation messages come in the reader's language", async () => {
    const letter = await aLetter(t.db);
    const en = await post(letter.slug, { fullName: '', email: '', visibility: 'public' }, 'en');
    const uk = await post(letter.slug, { fullName: '', email: '', visibility: 'public' }, 'uk');
    expect(en.status).toBe(422);
    expect(uk.status).toBe(422);
    expect(uk.text).toContain('<html lang="uk">');
  });

  test('script in every field is stored as text and rendered inert on the pages, and kept out of the email', async () => {
    const letter = await aLetter(t.db);
    const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const form = signForm({
      fullName: `Eve ${xss}`,
      city: `City ${xss}`,
      organisation: `Org ${xss}`,
      visibility: 'public',
    });
    const res = await post(letter.slug, form);
    expect(res.status).toBe(303);
    const mail = (await t.smtp.waitFor(form.email))[0];
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('alert(1)');
    const confirmPage = await request(t.app)
      .get(new URL(linkFrom(mail, '/s/confirm/')).pathname)
      .expect(200);
    expect(confirmPage.text).not.toContain('<script>alert(1)</script>');
    expect(confirmPage.text).toContain('Eve &lt;script&gt;alert(1)&lt;/script&gt;');
    expect((await confirmByLink(t.app, linkFrom(mail, '/s/confirm/'))).status).toBe(200);
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('Eve &lt;script&gt;alert(1)&lt;/script&gt;');

    // The 422 re-render escapes what it echoes too.
    const bad = await post(letter.slug, { fullName: xss, email: `${xss}@x`, visibility: 'public' });
    expect(bad.status).toBe(422);
    expect(bad.text).not.toContain('<script>alert(1)</script>');
  });

  test('a letter body cannot carry HTML: Markdown is rendered with raw HTML off', async () => {
    const letter = await aLetter(t.db);
    await t.db
      .getRepository(LetterTranslation)
      .update({ letterId: letter.id }, { body: 'Hi <script>alert(1)</script> [x](javascript:alert(1)) **bold**' });
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).not.toContain('href="javascript:');
    expect(page.text).toContain('<strong>bold</strong>');
  });

  test('non-Latin names are stored and shown intact', async () => {
    const letter = await aLetter(t.db);
    for (const name of ['Айгерім Қасымқызы', 'Олена Ковальчук', 'Мұхтар Әбілқасымұлы', 'Ольга Сергеевна Иванова']) {
      const form = signForm({ fullName: name, visibility: 'public' });
      await post(letter.slug, form);
      const mail = (await t.smtp.waitFor(form.email))[0];
      expect((await confirmByLink(t.app, linkFrom(mail, '/s/confirm/'))).status).toBe(200);
      const [row] = await t.db.query('SELECT full_name FROM signatures WHERE email = $1', [form.email]);
      expect(row.full_name).toBe(name);
    }
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    for (const name of ['Айгерім Қасымқызы', 'Олена Ковальчук', 'Мұхтар Әбілқасымұлы'])
      expect(page.text).toContain(name);
  });

  test('initials-only and private signers are shown as they chose', async () => {
    const letter = await aLetter(t.db);
    const initials = signForm({ fullName: 'Айгерім Қасымқызы', visibility: 'initials' });
    const hidden = signForm({ fullName: 'Secret Person', visibility: 'private' });
    for (const form of [initials, hidden]) {
      await post(letter.slug, form);
      const mail = (await t.smtp.waitFor(form.email))[0];
      expect((await confirmByLink(t.app, linkFrom(mail, '/s/confirm/'))).status).toBe(200);
    }
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    expect(page.text).toContain('А. Қ.');
    expect(page.text).not.toContain('Айгерім Қасымқызы');
    expect(page.text).not.toContain('Secret Person');
    expect(page.text).toContain('2 verified signatures');
  });

  test('organisations are listed apart from individuals', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({
      fullName: 'Anna Pavlenko',
      organisation: 'Kyiv Human Rights Group',
      signedAs: 'organisation',
      visibility: 'public',
    });
    await post(letter.slug, form);
    await confirmByLink(t.app, linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/'));
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    const orgSection = page.text.split('<h3>Organisations</h3>')[1]?.split('</ul>')[0] ?? '';
    expect(orgSection).toContain('Kyiv Human Rights Group');
  });

  test('a bot that fills the honeypot gets the same answer and nothing is stored or sent', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({ website: 'http://spam.example' });
    const res = await post(letter.slug, form);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/letters/${letter.slug}/check-email?lang=en`);
    await new Promise((r) => setTimeout(r, 400));
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(0);
    expect(t.smtp.to(form.email)).toHaveLength(0);
  });

  test('a POST without the CSRF token is refused with a clear 403 page', async () => {
    const letter = await aLetter(t.db);
    const res = await browser(t.app).agent.post(`/letters/${letter.slug}/sign`).type('form').send(signForm());
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired');
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(0);
  });

  test('a body over the size limit gets a 413 page, not a stack trace', async () => {
    const letter = await aLetter(t.db);
    const res = await browser(t.app)
      .agent.post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ fullName: 'x'.repeat(50_000) });
    expect(res.status).toBe(413);
    expect(res.text).not.toMatch(/at .+\(.+:\d+:\d+\)/);
  });

  test('a draft letter is not public, and a closed one shows its count but no form', async () => {
    const draft = await aLetter(t.db, { status: 'draft' });
    await browser(t.app).agent.get(`/letters/${draft.slug}`).expect(404);
    await browser(t.app).agent.get(`/letters/${draft.slug}.json`).expect(404);
    const closed = await aLetter(t.db, { status: 'closed' });
    const page = await browser(t.app).agent.get(`/letters/${closed.slug}`).expect(200);
    expect(page.text).not.toContain('name="fullName"');
    expect(page.text).toContain('no longer takes signatures');
  });

  test('a letter whose deadline has passed shows no form and refuses signatures', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    await t.db.query(`UPDATE letters SET closes_at = now() - interval '1 minute' WHERE id = $1`, [letter.id]);
    const page = await browser(t.app).agent.get(`/letters/${letter.slug}`).expect(200);
    expect(page.text).not.toContain('name="fullName"');
    const json = await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200);
    expect(json.body.status).toBe('closed');
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...signForm(), _csrf: csrf });
    expect(res.status).toBe(409);
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(0);
  });

  test('signing a closed letter is refused with a clear message', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    await t.db.query(`UPDATE letters SET status = 'closed' WHERE id = $1`, [letter.id]);
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...signForm(), _csrf: csrf });
    expect(res.status).toBe(409);
    expect(res.text).toContain('no longer takes signatures');
  });

  test('the per-IP limit answers 429 with Retry-After; the per-email limit answers like any other signing', async () => {
    // The hard per-IP limit is the flood limit on every POST; signing's own per-IP limits only hold.
    const limited = await startTestApp(
      { FLOOD_LIMIT_PER_IP_PER_MINUTE: '3', SIGN_LIMIT_PER_EMAIL_PER_HOUR: '1' },
      { worker: false },
    );
    try {
      const letter = await aLetter(limited.db);
      const email = anEmail();
      // A fresh address behind the trusted (loopback) proxy, so earlier tests' counters do not apply.
      const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const b = browser(limited.app);
        const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
        const res = await b.agent
          .post(`/letters/${letter.slug}/sign`)
          .set('X-Forwarded-For', ip)
          .type('form')
          .send({ ...signForm({ email }), _csrf: csrf });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(res.text).toContain('Too many attempts');
        }
      }
      expect(statuses).toEqual([303, 303, 303, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('letter versions and languages', () => {
  test('?lang= and Accept-Language pick the version; other versions are one click away', async () => {
    const letter = await aLetter(t.db, { title: 'English title' });
    await t.db.getRepository(LetterTranslation).save({
      letterId: letter.id,
      language: 'uk',
      title: 'Український заголовок',
      summary: 's',
      body: 'Текст',
      recipient: 'Міністр',
    });
    const byQuery = await browser(t.app).agent.get(`/letters/${letter.slug}?lang=uk`);
    expect(byQuery.text).toContain('Український заголовок');
    const byHeader = await browser(t.app)
      .agent.get(`/letters/${letter.slug}`)
      .set('Accept-Language', 'uk-UA,uk;q=0.9,en;q=0.5');
    expect(byHeader.text).toContain('Український заголовок');
    expect(byHeader.text).toContain(`href="/letters/${letter.slug}?lang=en"`);
    const fallback = await browser(t.app).agent.get(`/letters/${letter.slug}`).set('Accept-Language', 'de');
    expect(fallback.text).toContain('English title');
    const json = await browser(t.app).agent.get(`/letters/${letter.slug}.json?lang=uk`);
    expect(json.body).toMatchObject({
      title: 'Український заголовок',
      language: 'uk',
      languages: ['en', 'uk'],
      signatureCount: 0,
    });
  });

  test('an unknown letter answers 404 as a page and as JSON', async () => {
    const page = await browser(t.app).agent.get('/letters/no-such-letter');
    expect(page.status).toBe(404);
    expect(page.text).toContain('Page not found');
    const json = await browser(t.app).agent.get('/letters/no-such-letter.json').set('Accept', 'application/json');
    expect(json.status).toBe(404);
    expect(json.body.error).toBe('not_found');
  });
});
