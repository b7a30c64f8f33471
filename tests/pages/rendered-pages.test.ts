import path from 'node:path';
import { formatterFactory, HtmlValidate, StaticConfigLoader, type ConfigData, type Report } from 'html-validate';
import { addCount, aLetter, aSignature, BIRTHDAY, FRENCH, seededLetter, signForm } from '../support/factories';
import { aPdf } from '../support/pdf';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../support/organisers';
import { linkFrom } from '../support/smtp-sink';
import { browser, useTestApp } from '../support/test-app';
import { LANGUAGES, Letter } from '../../src/core/letters/letter.entity';
import { LetterResponse } from '../../src/features/updates/letter-response.entity';
import { LetterTranslation } from '../../src/core/letters/letter-translation.entity';
import { setChallengeMode } from '../../src/features/abuse';
import { TEST_EVENTS_PER_MINUTE } from '../../src/features/webhooks/webhooks.service';
import { TASK_TEXT_DIFFS } from '../../src/features/versions/versions.queue';
import { drained } from '../support/jobs';

/**
 * html-validate (its "recommended" preset, less the rules .htmlvalidate.cjs turns off and says
 * why) over the pages as the app renders them: every public page, in every language where the
 * words change the markup, and the organisers' main pages. `npm test` runs this file (once: `npm run
 * lint` does not), `npm run lint:pages` runs it alone.
 */
const ROOT = path.resolve(__dirname, '../..');
// Read here rather than found by html-validate, which loads JavaScript configuration with a
// dynamic import that jest's module sandbox does not allow.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(path.join(ROOT, '.htmlvalidate.cjs')) as ConfigData;
const validator = new HtmlValidate(new StaticConfigLoader(config));
const stylish = formatterFactory('stylish');

const t = useTestApp();

function validate(name: string, html: string): Promise<Report> {
  return validator.validateString(html, `${name.replace(/[^a-z0-9]+/gi, '_')}.html`);
}

async function expectValid(pages: Array<[string, string]>): Promise<void> {
  const failed: string[] = [];
  for (const [name, html] of pages) {
    const report = await validate(name, html);
    if (!report.valid) failed.push(`${name}\n${stylish(report.results)}`);
  }
  expect(failed.join('\n')).toBe('');
}

async function page(path: string, expected = 200, headers: Record<string, string> = {}): Promise<[string, string]> {
  const res = await browser(t.app).agent.get(path).set(headers);
  expect([path, res.status]).toEqual([path, expected]);
  return [path, res.text];
}

describe('rendered pages pass html-validate', () => {
  test('the check is live: it catches a misnested element and an image without text', async () => {
    const report = await validate(
      'broken',
      '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><p><div>a</div></p><img src="/a.png"></body></html>',
    );
    expect(report.valid).toBe(false);
    expect(report.results[0].messages.map((m) => m.ruleId)).toEqual(expect.arrayContaining(['wcag/h37']));
  });

  test('home, letters in every language, the embed and the verification page', async () => {
    const birthday = await seededLetter(t.db, BIRTHDAY);
    const french = await seededLetter(t.db, FRENCH);
    // Pages in their fullest state: counts by country (chart and list), a delivery and a response.
    for (const [country, n] of [
      ['UA', 12],
      ['FR', 3],
      ['KZ', 1],
    ] as const)
      await addCount(t.db, birthday.id, country, n);
    await t.db
      .getRepository(Letter)
      .update(birthday.id, { deliveredAt: new Date('2031-01-02T10:00:00Z'), deliveredTo: 'The Minister' });
    await t.db.getRepository(LetterResponse).save({
      letterId: birthday.id,
      respondedOn: '2031-02-01',
      body: 'We **received** it.',
      link: 'https://ministry.example/a',
    });
    const pages: Array<[string, string]> = [];
    for (const lang of LANGUAGES) {
      pages.push(await page(`/?lang=${lang}`));
      pages.push(await page(`/verify?lang=${lang}`));
      pages.push(await page(`/login?lang=${lang}`));
    }
    for (const letter of [birthday, french]) {
      for (const { language } of letter.translations) {
        pages.push(await page(`/letters/${letter.slug}?lang=${language}`));
        pages.push(await page(`/letters/${letter.slug}/embed?lang=${language}`));
        pages.push(await page(`/letters/${letter.slug}/manage?lang=${language}`));
        pages.push(await page(`/letters/${letter.slug}/check-email?lang=${language}`));
        pages.push(await page(`/letters/${letter.slug}/integrity?lang=${language}`));
      }
    }
    // No seeded letter has a Kazakh version: its pages in the Kazakh interface, around the default text.
    for (const path of ['', '/embed', '/manage', '/check-email', '/integrity'])
      pages.push(await page(`/letters/${birthday.slug}${path}?lang=kk`));
    const closed = await aLetter(t.db, { status: 'closed', goal: 100 });
    pages.push(await page(`/letters/${closed.slug}`));
    pages.push(await page(`/letters/${closed.slug}/embed`));
    pages.push(await page('/no/such/page', 404));
    pages.push(await page('/letters/no-such-letter', 404, { 'Accept-Language': 'uk' }));
    await expectValid(pages);
  });

  test('the signing journey: form errors, the typo hint, confirmation, withdrawal and broken links', async () => {
    const letter = await aLetter(t.db, { goal: 1000 });
    const pages: Array<[string, string]> = [];
    for (const lang of ['en', 'uk']) {
      const b = browser(t.app);
      const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=${lang}`);
      const invalid = await b.agent
        .post(`/letters/${letter.slug}/sign?lang=${lang}`)
        .type('form')
        .send({ _csrf: csrf, fullName: '', email: 'not an address', country: 'XX' });
      expect(invalid.status).toBe(422);
      pages.push([`sign form errors (${lang})`, invalid.text]);
      const hint = await b.agent
        .post(`/letters/${letter.slug}/sign?lang=${lang}`)
        .type('form')
        .send({ ...signForm({ email: 'anna@gmial.com' }), _csrf: csrf });
      expect(hint.status).toBe(200);
      pages.push([`typo hint (${lang})`, hint.text]);
    }
    const form = signForm();
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...form, _csrf: csrf })
      .expect(303);
    const [mail] = await t.smtp.waitFor(form.email);
    const confirm = new URL(linkFrom(mail, '/s/confirm/')).pathname;
    const withdraw = new URL(linkFrom(mail, '/s/withdraw/')).pathname;
    pages.push(await page(confirm));
    pages.push(await page(withdraw));
    pages.push(await page('/s/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 404));
    pages.push(await page('/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 404));
    pages.push(await page('/login/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 404));
    await expectValid(pages);
  });

  test("my signatures: the request, its answer, the link's pages and its problems, in every language", async () => {
    const [a, b] = [await aLetter(t.db), await aLetter(t.db)];
    const email = `pages-mysig-${Date.now()}@example.org`;
    await aSignature(t.db, a, { email });
    const pending = await aSignature(t.db, b, { email, status: 'pending' });
    const pages: Array<[string, string]> = [];
    for (const lang of ['en', 'uk', 'ru', 'fr']) {
      pages.push(await page(`/my-signatures?lang=${lang}`));
      const asker = browser(t.app);
      const csrf = await asker.csrfFrom(`/my-signatures?lang=${lang}`);
      const invalid = await asker.agent
        .post(`/my-signatures?lang=${lang}`)
        .type('form')
        .send({ _csrf: csrf, email: 'not an address' });
      expect(invalid.status).toBe(422);
      pages.push([`my signatures, invalid address (${lang})`, invalid.text]);
      const sent = await asker.agent.post(`/my-signatures?lang=${lang}`).type('form').send({ _csrf: csrf, email });
      expect(sent.status).toBe(200);
      pages.push([`my signatures, link sent (${lang})`, sent.text]);
    }
    const mails = await t.smtp.waitFor(email, 4);
    for (const [i, lang] of ['en', 'uk', 'ru', 'fr'].entries()) {
      const mail = mails.find((m) => m.text.includes(`?lang=${lang}`) && m.text.includes('/my-signatures/'));
      if (!mail) throw new Error(`no my-signatures link in ${lang} (${i})`);
      const link = new URL(linkFrom(mail, '/my-signatures/')).pathname;
      const mine = browser(t.app);
      pages.push(await page(`${link}?lang=${lang}`));
      const csrf = await mine.csrfFrom(`${link}?lang=${lang}`);
      const opened = await mine.agent.post(`${link}?lang=${lang}`).type('form').send({ _csrf: csrf });
      expect(opened.status).toBe(303);
      const list = await mine.agent.get(`${link}?lang=${lang}&saved=visibility`);
      expect(list.status).toBe(200);
      pages.push([`my signatures, list (${lang})`, list.text]);
      const withdraw = await mine.agent.get(`${link}/${pending.id}/withdraw?lang=${lang}`);
      expect(withdraw.status).toBe(200);
      pages.push([`my signatures, withdraw (${lang})`, withdraw.text]);
      const elsewhere = await browser(t.app).agent.get(`${link}?lang=${lang}`);
      expect(elsewhere.status).toBe(410);
      pages.push([`my signatures, used elsewhere (${lang})`, elsewhere.text]);
      pages.push(await page(`/my-signatures/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA?lang=${lang}`, 404));
    }
    await expectValid(pages);
  });

  test("the organisers' workspace", async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Organised letter' });
    await aSignature(t.db, letter, { heldReason: 'burst-ip', originHash: 'c'.repeat(32) });
    await aSignature(t.db, letter, { heldReason: 'disposable-domain', status: 'pending', originHash: 'd'.repeat(32) });
    // In challenge mode: the dashboard shows the mode and its change, the sign form the widget.
    await setChallengeMode(t.ctx, letter.id, true, { id: organiser.id, name: organiser.name });
    const pages: Array<[string, string]> = [];
    for (const path of [
      `/letters/${letter.slug}`,
      '/organise',
      '/organise/letters/new',
      `/organise/letters/${letter.slug}`,
      `/organise/letters/${letter.slug}/edit`,
      `/organise/letters/${letter.slug}/export`,
      `/organise/letters/${letter.slug}/updates`,
      `/organise/letters/${letter.slug}/paper`,
      `/organise/letters/${letter.slug}/allow-list`,
      `/organise/letters/${letter.slug}/audit`,
      ...['reason', 'network', 'domain', 'window', 'confirmation'].map(
        (by) => `/organise/letters/${letter.slug}/held?by=${by}`,
      ),
    ]) {
      const res = await b.agent.get(path);
      expect([path, res.status]).toEqual([path, 200]);
      pages.push([path, res.text]);
    }
    await expectValid(pages);
  });

  test('email updates: the editor of a letter in three languages, its preview, its errors and its list', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Letter with updates' });
    for (const language of ['fr', 'uk'] as const)
      await t.db.getRepository(LetterTranslation).save({
        letterId: letter.id,
        language,
        title: `Lettre ${language}`,
        summary: 's',
        body: 'b',
        recipient: 'r',
      });
    for (const [language, country] of [
      ['en', 'FR'],
      ['fr', 'FR'],
      ['uk', 'UA'],
      ['ru', 'KZ'],
    ] as const)
      await aSignature(t.db, letter, { wantsUpdates: true, language, country });
    const updates = `/organise/letters/${letter.slug}/updates`;
    const pages: Array<[string, string]> = [];
    const posted = async (name: string, form: Record<string, string | string[]>, status: number) => {
      const res = await postForm(b, updates, updates, form as Record<string, string>);
      expect([name, res.status]).toEqual([name, status]);
      pages.push([name, res.text]);
    };
    const soon = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    const versions = { subject_en: 'News', body_en: 'We **did** it.', subject_fr: 'Nouvelles', body_fr: 'Fait.' };
    await posted('updates preview', { ...versions, countries: ['FR', 'UA'], source: 'online', step: 'preview' }, 200);
    await posted('updates preview, scheduled', { ...versions, when: 'later', sendAt: soon, step: 'preview' }, 200);
    await posted('updates form with errors', { subject_fr: 'x', when: 'later', sendAt: 'soon', step: 'preview' }, 422);
    await posted('updates back to editing', { ...versions, countries: 'FR', step: 'edit' }, 200);
    expect(
      (await postForm(b, updates, updates, { ...versions, when: 'later', sendAt: soon, step: 'send' })).status,
    ).toBe(303);
    expect((await postForm(b, updates, updates, { ...versions, step: 'send' })).status).toBe(303);
    for (const lang of LANGUAGES)
      pages.push(
        await b.agent
          .get(`${updates}?lang=${lang}&done=scheduled`)
          .then((r) => [`updates list (${lang})`, r.text] as [string, string]),
      );
    const dashboard = await b.agent.get(`/organise/letters/${letter.slug}?lang=en`);
    pages.push(['dashboard with its updates panel', dashboard.text]);
    await expectValid(pages);
  });

  test("API tokens and webhooks: the owners' pages, a token and a secret shown once, forms with errors, a delivery log", async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Letter with an API' });
    const api = `/organise/letters/${letter.slug}/api`;
    const hooks = `${api}/webhooks`;
    const pages: Array<[string, string]> = [];
    const posted = async (
      name: string,
      from: string,
      action: string,
      form: Record<string, string | string[]>,
      status: number,
    ) => {
      const res = await postForm(b, from, action, form as Record<string, string>);
      expect([name, res.status]).toEqual([name, status]);
      pages.push([name, res.text]);
    };
    await posted('token created', api, `${api}/tokens`, { name: 'CRM', forDelivery: 'on' }, 201);
    await posted('token form with an error', api, `${api}/tokens`, { name: '' }, 422);
    // Nothing listens on this port of the test range: the test event is logged without an answer.
    await posted(
      'webhook added',
      hooks,
      hooks,
      { url: 'http://127.0.0.1:4499/hook', events: ['signature.confirmed', 'letter.milestone'] },
      201,
    );
    await posted('webhook form with errors', hooks, hooks, { url: 'nope' }, 422);
    const [endpoint] = await t.db.query<Array<{ id: string }>>(
      `SELECT id FROM webhook_endpoints WHERE letter_id = $1`,
      [letter.id],
    );
    expect((await postForm(b, hooks, `${hooks}/${endpoint.id}/test`)).status).toBe(303);
    for (let i = 0; i < 50; i++) {
      const [n] = await t.db.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`,
        [endpoint.id],
      );
      if (Number(n.n) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const path of [api, hooks, `${hooks}/${endpoint.id}`]) {
      const res = await b.agent.get(path);
      expect([path, res.status]).toEqual([path, 200]);
      pages.push([path, res.text]);
    }
    // Test events beyond the limit: the log page says so.
    for (let i = 1; i < TEST_EVENTS_PER_MINUTE; i++)
      expect((await postForm(b, hooks, `${hooks}/${endpoint.id}/test`)).status).toBe(303);
    await posted('test events over the limit', `${hooks}/${endpoint.id}`, `${hooks}/${endpoint.id}/test`, {}, 429);
    // A webhook disabled after a day of failures, on both pages.
    await t.db.query(
      `UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours', disabled_at = now() WHERE id = $1`,
      [endpoint.id],
    );
    for (const path of [hooks, `${hooks}/${endpoint.id}`]) {
      const res = await b.agent.get(path);
      expect([path, res.status]).toEqual([path, 200]);
      pages.push([`${path} (disabled)`, res.text]);
    }
    await expectValid(pages);
  });

  test('text versions: the letter with its change notice, an earlier version, the diff, the editor and the paper preview', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Versioned letter' });
    await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 1 });
    const edit = `/organise/letters/${letter.slug}/edit`;
    const saved = await postForm(b, edit, edit, {
      slug: letter.slug,
      status: 'open',
      goal: '100',
      closesAt: '',
      defaultLanguage: 'en',
      publicNamesDefault: 'private',
      tr0_language: 'en',
      tr0_title: 'Versioned letter, revised',
      tr0_summary: 'S',
      tr0_body: 'We ask for **justice** & <b>more</b>.',
      tr0_recipient: 'The Minister',
      action: 'save',
    });
    expect(saved.status).toBe(303);
    await aSignature(t.db, letter, { textLanguage: 'en', textVersion: 2 });
    const pages: Array<[string, string]> = [];
    // The diff page before the worker's job has compared the versions, then after.
    pages.push(await page(`/letters/${letter.slug}/diff?lang=en&from=1&to=2`));
    await drained(t.db, TASK_TEXT_DIFFS);
    for (const lang of LANGUAGES) {
      pages.push(await page(`/letters/${letter.slug}?lang=${lang}`));
      pages.push(await page(`/letters/${letter.slug}/versions/1?lang=${lang}`));
      pages.push(await page(`/letters/${letter.slug}/versions/2?lang=${lang}`));
      pages.push(await page(`/letters/${letter.slug}/diff?lang=${lang}&from=1&to=2`));
    }
    pages.push(await page(`/letters/${letter.slug}/versions/9`, 404));
    const upload = await b.agent
      .post(await b.uploadAction(`/organise/letters/${letter.slug}/paper`))
      .field('text', 'name,country,city,date\nAnna,UA,Kyiv,2025-11-02\n');
    for (const path of [edit, upload.headers.location]) {
      const res = await b.agent.get(path);
      expect([path, res.status]).toEqual([path, 200]);
      pages.push([path, res.text]);
    }
    await expectValid(pages);
  });

  test("the recipient's page, its response form with errors, the owners' recipient links and a response received through a link", async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const letter = await aLetterOf(t.db, organiser, 'owner', { title: 'Delivered letter' });
    await t.db.query(
      `UPDATE letters SET created_at = '2025-12-01', delivered_at = '2026-01-10T12:00:00Z', delivered_to = 'The Ministry' WHERE id = $1`,
      [letter.id],
    );
    const signedAt = new Date('2026-01-05T09:00:00Z');
    await aSignature(t.db, letter, {
      fullName: 'Private Signer',
      visibility: 'private',
      organisation: 'Union',
      confirmedAt: signedAt,
      createdAt: signedAt,
    });
    await aSignature(t.db, letter, {
      fullName: 'Initials Signer',
      visibility: 'initials',
      country: 'FR',
      confirmedAt: signedAt,
      createdAt: signedAt,
    });
    const links = `/organise/letters/${letter.slug}/recipients`;
    const created = await postForm(b, links, links, {
      name: 'Jean Ministre',
      role: 'Minister',
      email: '',
      expiresOn: '',
    });
    expect(created.status).toBe(201);
    const recipientPage = `/r/${/\/r\/([A-Za-z0-9_-]+)"/.exec(created.text)![1]}`;
    const invalid = await postForm(b, links, links, { name: '', email: 'x', expiresOn: '1999-01-01' });
    expect(invalid.status).toBe(422);
    const pages: Array<[string, string]> = [
      ['link created', created.text],
      ['link form errors', invalid.text],
    ];
    for (const lang of ['en', 'uk', 'ru', 'fr']) pages.push(await page(`${recipientPage}?lang=${lang}`));
    const r = browser(t.app);
    const action = await r.uploadAction(recipientPage);
    const refused = await r.agent
      .post(action)
      .field('body', '')
      .attach('attachment', Buffer.from('not a pdf'), { filename: 'a.pdf', contentType: 'application/pdf' });
    expect(refused.status).toBe(422);
    pages.push(['response form errors', refused.text]);
    await r.agent
      .post(await r.uploadAction(recipientPage))
      .field('body', 'We **read** it.')
      .attach('attachment', aPdf(256), { filename: 'answer.pdf', contentType: 'application/pdf' })
      .expect(303);
    pages.push(await page(`${recipientPage}?posted=1`));
    pages.push(await page(`/letters/${letter.slug}`));
    pages.push(await page('/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 404));
    for (const path of [links, `/organise/letters/${letter.slug}`]) {
      const res = await b.agent.get(path);
      expect([path, res.status]).toEqual([path, 200]);
      pages.push([path, res.text]);
    }
    // The owner publishes the held response with a title: the letter page, the owners' page and the addressee's.
    const [held] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM letter_responses WHERE letter_id = $1`, [
      letter.id,
    ]);
    expect(
      (
        await postForm(b, links, `${links}/responses/${held.id}`, {
          decision: 'publish',
          title: 'Answer of the Ministry',
        })
      ).status,
    ).toBe(303);
    pages.push(await page(`/letters/${letter.slug}`));
    pages.push(await page(recipientPage));
    const decided = await b.agent.get(`${links}?decided=publish`);
    expect(decided.status).toBe(200);
    pages.push(['response published', decided.text]);
    await expectValid(pages);
  });
});
