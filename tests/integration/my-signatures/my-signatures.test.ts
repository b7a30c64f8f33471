import crypto from 'node:crypto';
import request from 'supertest';
import { aLetter, anEmail, aSignature, signForm } from '../../support/factories';
import { confirmByLink } from '../../support/journey';
import { linkFrom, type ReceivedMail } from '../../support/smtp-sink';
import { browser, type TestApp, useTestApp } from '../../support/test-app';
import { integrityReport } from '../../../src/features/integrity';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import { Mailer } from '../../../src/platform/mail/mailer';
import { eraseSigner } from '../../../src/features/privacy';
import { smtpTransport } from '../../../src/platform/mail/transport';
import { initialsOf } from '../../../src/features/signatures/display-name';
import { Signature } from '../../../src/features/signatures/signature.entity';
import { tFor } from '../../../src/platform/web/i18n';
import {
  alreadySignedEmail,
  confirmationEmail,
  manageEmail,
  mySignaturesUrl,
} from '../../../src/features/signatures/emails';
import { letterUpdateEmail, officialResponseEmail } from '../../../src/features/updates/emails';

const t = useTestApp();

const withoutCsrf = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');
/** A network of its own for each request, so that tests never share a per-network counter. */
const aNetwork = () => `10.${crypto.randomInt(0, 255)}.${crypto.randomInt(0, 255)}.${crypto.randomInt(1, 255)}`;

async function requestLink(email: string, opts: { lang?: string; ip?: string; app?: TestApp } = {}) {
  const app = (opts.app ?? t).app;
  const b = browser(app);
  const lang = opts.lang ?? 'en';
  const csrf = await b.csrfFrom(`/my-signatures?lang=${lang}`);
  return b.agent
    .post(`/my-signatures?lang=${lang}`)
    .set('X-Forwarded-For', opts.ip ?? aNetwork())
    .type('form')
    .send({ email, _csrf: csrf });
}

function mySignaturesLinkIn(mail: ReceivedMail): string {
  return new URL(linkFrom(mail, '/my-signatures/')).pathname;
}

/** Asks for the link and answers its path, from the newest email to the address. */
async function aLinkFor(email: string, lang = 'en'): Promise<string> {
  const before = t.smtp.to(email).filter((m) => m.text.includes('/my-signatures/')).length;
  await requestLink(email, { lang });
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const mails = t.smtp.to(email).filter((m) => m.text.includes('/my-signatures/'));
    if (mails.length > before) return mySignaturesLinkIn(mails[mails.length - 1]);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no my-signatures link to ${email}`);
}

/** A browser opens the link and presses the page's button; answers the list page it lands on. */
async function openIn(agent: request.Agent, link: string) {
  const page = await agent.get(link).expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  const pressed = await agent.post(`${link}?lang=en`).type('form').send({ _csrf: csrf });
  expect(pressed.status).toBe(303);
  return agent.get(pressed.headers.location);
}

async function csrfOf(agent: request.Agent, link: string): Promise<string> {
  const page = await agent.get(link).expect(200);
  return /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
}

describe('asking for the link', () => {
  test('the answer is the same for an address that signed and one that did not; only the signer gets an email', async () => {
    const letter = await aLetter(t.db);
    const signer = anEmail('mysig');
    await aSignature(t.db, letter, { email: signer });
    const stranger = anEmail('stranger');
    const answers = [];
    for (const email of [signer, stranger]) {
      const res = await requestLink(email);
      answers.push({ status: res.status, type: res.headers['content-type'], text: withoutCsrf(res.text) });
    }
    expect(answers[0].status).toBe(200);
    expect(answers[0]).toEqual(answers[1]);
    const [mail] = await t.smtp.waitFor(signer);
    expect(mail.subject).toBe(tFor('en')('mySignatures.email.subject'));
    expect(mail.text).toMatch(/\/my-signatures\/[A-Za-z0-9_-]{40,}/);
    expect(mail.html).toContain('/my-signatures/');
    await new Promise((r) => setTimeout(r, 600));
    expect(t.smtp.to(stranger)).toHaveLength(0);
    // Nothing of the stranger's request is kept.
    const [{ n }] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM my_signatures_links WHERE email_normalised = $1`,
      [stranger],
    );
    expect(Number(n)).toBe(0);
  });

  test("the email speaks the language of the page it was asked from, and only the token's hash is stored", async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('mysig-uk');
    await aSignature(t.db, letter, { email, language: 'en' });
    await requestLink(email, { lang: 'uk' });
    const [mail] = await t.smtp.waitFor(email);
    expect(mail.subject).toBe(tFor('uk')('mySignatures.email.subject'));
    expect(mail.text).toContain(tFor('uk')('mySignatures.email.intro'));
    const raw = linkFrom(mail, '/my-signatures/').split('/').pop()!;
    const stored = await t.db.query<Array<{ token_hash: string }>>(
      `SELECT token_hash FROM tokens WHERE purpose = 'my-signatures' AND token_hash = encode(sha256($1::bytea), 'hex')`,
      [raw],
    );
    expect(stored).toHaveLength(1);
    const plain = await t.db.query(`SELECT 1 FROM tokens WHERE token_hash = $1`, [raw]);
    expect(plain).toHaveLength(0);
  });

  test("an invalid address is answered 422 beside the field, in the reader's language", async () => {
    const res = await requestLink('not-an-address', { lang: 'fr' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(tFor('fr')('form.errors.emailInvalid').replace(/'/g, '&#39;'));
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('limits', () => {
  const limited = useTestApp(
    { SIGN_LIMIT_PER_IP_PER_HOUR: '3', SIGN_LIMIT_PER_EMAIL_PER_HOUR: '2' },
    { worker: false },
  );

  test('per network: the fourth request from one network within the hour is a localized 429', async () => {
    const ip = aNetwork();
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await requestLink(anEmail('net'), { ip, lang: 'ru', app: limited });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.headers['retry-after']).toBeDefined();
    expect(last!.text).toContain(tFor('ru')('errors.rateLimited'));
  });

  test('per address: the third request for one address within the hour is a localized 429, whatever the network', async () => {
    const email = anEmail('addr');
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await requestLink(i === 2 ? email.toUpperCase() : email, { lang: 'uk', app: limited });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.text).toContain(tFor('uk')('errors.rateLimited'));
  });
});

describe('the link', () => {
  test('lists every letter the address signed or has pending, and nothing of others', async () => {
    const [a, b, other] = await Promise.all([
      aLetter(t.db, { title: 'Letter Alpha' }),
      aLetter(t.db, { title: 'Letter Beta' }),
      aLetter(t.db, { title: 'Letter Gamma' }),
    ]);
    const email = anEmail('both');
    await aSignature(t.db, a, { email });
    // Signed again with another spelling of the same Gmail address: found by its normalised form.
    const gmail = `both.${crypto.randomBytes(3).toString('hex')}@gmail.com`;
    await aSignature(t.db, b, { email: gmail, status: 'pending' });
    await aSignature(t.db, other, { email: anEmail('someone-else') });
    const link = await aLinkFor(gmail.replace('.', '').replace('@', '+mine@'));
    const list = await openIn(request.agent(t.app), link);
    expect(list.status).toBe(200);
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.text).not.toContain('Letter Alpha');
    expect(list.text).toContain('Letter Beta');
    expect(list.text).toContain(tFor('en')('mySignatures.list.statuses.pending'));

    const link2 = await aLinkFor(email);
    const list2 = await openIn(request.agent(t.app), link2);
    expect(list2.text).toContain('Letter Alpha');
    expect(list2.text).not.toContain('Letter Gamma');
  });

  test('both letters of one address are listed, with their status', async () => {
    const [a, b] = await Promise.all([
      aLetter(t.db, { title: 'First of two' }),
      aLetter(t.db, { title: 'Second of two' }),
    ]);
    const email = anEmail('two');
    await aSignature(t.db, a, { email });
    await aSignature(t.db, b, { email, status: 'pending' });
    const list = await openIn(request.agent(t.app), await aLinkFor(email));
    expect(list.text).toContain('First of two');
    expect(list.text).toContain('Second of two');
    expect(list.text).toContain(tFor('en')('mySignatures.list.statuses.confirmed'));
    expect(list.text).toContain(tFor('en')('mySignatures.list.statuses.pending'));
  });

  test('opening the link (GET) changes nothing; its first use ties it to that browser session', async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('session');
    await aSignature(t.db, letter, { email });
    const link = await aLinkFor(email);
    // A mail scanner opens the link first: the person can still use it.
    await request(t.app).get(link).expect(200);
    await request(t.app).head(link).expect(200);
    const mine = request.agent(t.app);
    expect((await openIn(mine, link)).status).toBe(200);
    // The same browser session may come back with the same link, and press the button again.
    const again = await mine.get(link);
    expect(again.status).toBe(200);
    expect(again.text).toContain(tFor('en')('mySignatures.list.heading'));
    const csrf = await csrfOf(mine, link);
    expect((await mine.post(link).type('form').send({ _csrf: csrf })).status).toBe(303);
    // Another browser with the same link is refused.
    const other = request.agent(t.app);
    const refused = await other.get(link);
    expect(refused.status).toBe(410);
    expect(refused.text).toContain(tFor('en')('mySignatures.problem.used.title'));
    expect(refused.text).toContain('href="/my-signatures?lang=en"');
    const otherCsrf = await csrfOf(other, '/my-signatures');
    const pressed = await other.post(link).type('form').send({ _csrf: otherCsrf });
    expect(pressed.status).toBe(410);
    // … and cannot act on the signatures either.
    const [sig] = await t.db.query<Array<{ id: string }>>(`SELECT id FROM signatures WHERE email_normalised = $1`, [
      email,
    ]);
    const change = await other
      .post(`${link}/${sig.id}/visibility`)
      .type('form')
      .send({ _csrf: otherCsrf, visibility: 'public' });
    expect(change.status).toBe(410);
  });

  test('two browsers pressing the button at once: exactly one gets the list', async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('race');
    await aSignature(t.db, letter, { email });
    const link = await aLinkFor(email);
    const agents = [request.agent(t.app), request.agent(t.app)];
    const tokens = await Promise.all(agents.map((a) => csrfOf(a, link)));
    const results = await Promise.all(agents.map((a, i) => a.post(link).type('form').send({ _csrf: tokens[i] })));
    expect(results.map((r) => r.status).sort()).toEqual([303, 410]);
  });

  test('the link works for 24 hours, then says it expired (410)', async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('expiry');
    await aSignature(t.db, letter, { email });
    const link = await aLinkFor(email);
    const raw = link.split('/').pop()!;
    const [row] = await t.db.query<Array<{ hours: number }>>(
      `SELECT extract(epoch FROM t.expires_at - now()) / 3600 AS hours FROM tokens t WHERE t.token_hash = encode(sha256($1::bytea), 'hex')`,
      [raw],
    );
    expect(Number(row.hours)).toBeGreaterThan(23.9);
    expect(Number(row.hours)).toBeLessThanOrEqual(24);
    const mine = request.agent(t.app);
    await openIn(mine, link);
    // A day later.
    await t.db.query(
      `UPDATE tokens SET expires_at = now() - interval '1 second' WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
      [raw],
    );
    await t.db.query(
      `UPDATE my_signatures_links SET expires_at = now() - interval '1 second' WHERE email_normalised = $1`,
      [email],
    );
    const expired = await mine.get(link);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain(tFor('en')('mySignatures.problem.expired.title'));
    const fresh = await request(t.app).get(link);
    expect(fresh.status).toBe(410);
  });

  test('hostile input is a 4xx page, never a 5xx, a stack trace or markup reflected unescaped', async () => {
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/my-signatures');
    for (const email of [
      '<script>alert(1)</script>@x.org',
      'a\u0000b@example.org',
      'x'.repeat(400) + '@example.org',
      '<%= process.exit() %>',
    ]) {
      const res = await b.agent.post('/my-signatures').type('form').send({ _csrf: csrf, email });
      expect([email, res.status]).toEqual([email, 422]);
      expect(res.text).not.toContain('<script>alert(1)');
      expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    }
    const twice = await b.agent
      .post('/my-signatures')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&email=a%40b.org&email=c%40d.org`);
    expect(twice.status).toBe(422);
    for (const path of [
      '/my-signatures/%00',
      '/my-signatures/..%2F..%2Fetc',
      `/my-signatures/${'x'.repeat(300)}`,
      '/my-signatures/%3Cscript%3E/x/withdraw',
    ]) {
      const res = await b.agent.get(path);
      expect([path, res.status < 500, res.status >= 400]).toEqual([path, true, true]);
      expect(res.text).not.toContain('<script>');
    }
  });

  test('an unknown link is a 404 page, not an error', async () => {
    const res = await request(t.app).get(`/my-signatures/${'A'.repeat(43)}?lang=fr`);
    expect(res.status).toBe(404);
    expect(res.text).toContain(tFor('fr')('mySignatures.problem.unknown.title').replace(/'/g, '&#39;'));
  });
});

describe('what the page changes', () => {
  async function signedTwice() {
    const [a, b] = await Promise.all([aLetter(t.db), aLetter(t.db)]);
    const email = anEmail('changes');
    const name = `Оксана Мирна-${crypto.randomBytes(3).toString('hex')}`;
    const sa = await aSignature(t.db, a, { email, fullName: name, visibility: 'private', wantsUpdates: false });
    const sb = await aSignature(t.db, b, { email, fullName: name, visibility: 'public' });
    const agent = request.agent(t.app);
    const link = await aLinkFor(email);
    await openIn(agent, link);
    return { a, b, sa, sb, name, agent, link };
  }

  test('how the name appears changes on the public letter page at once', async () => {
    const { a, sa, name, agent, link } = await signedTwice();
    expect((await request(t.app).get(`/letters/${a.slug}`)).text).not.toContain(name);
    expect((await agent.get(link)).text).toContain(tFor('en')('mySignatures.list.notShown').replace(/'/g, '&#39;'));
    const csrf = await csrfOf(agent, link);
    const res = await agent
      .post(`${link}/${sa.id}/visibility?lang=en`)
      .type('form')
      .send({ _csrf: csrf, visibility: 'public' });
    expect(res.status).toBe(303);
    const back = await agent.get(res.headers.location);
    expect(back.text).toContain(tFor('en')('mySignatures.list.saved'));
    expect(back.text).toContain(`<dd>${name}</dd>`);
    expect((await request(t.app).get(`/letters/${a.slug}`)).text).toContain(name);
    // As initials: the page says what the public list shows.
    await agent
      .post(`${link}/${sa.id}/visibility?lang=en`)
      .type('form')
      .send({ _csrf: csrf, visibility: 'initials' })
      .expect(303);
    expect((await agent.get(link)).text).toContain(`<dd>${initialsOf(name)}</dd>`);
    expect((await request(t.app).get(`/letters/${a.slug}`)).text).not.toContain(name);
    await agent
      .post(`${link}/${sa.id}/visibility?lang=en`)
      .type('form')
      .send({ _csrf: csrf, visibility: 'public' })
      .expect(303);
    // A value that is not a choice is a clear 422, and changes nothing.
    const bad = await agent
      .post(`${link}/${sa.id}/visibility?lang=en`)
      .type('form')
      .send({ _csrf: csrf, visibility: 'everyone' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain(tFor('en')('form.errors.visibility'));
    expect((await t.db.getRepository(Signature).findOneByOrFail({ id: sa.id })).visibility).toBe('public');
  });

  test('updates switch on and off', async () => {
    const { sa, agent, link } = await signedTwice();
    const csrf = await csrfOf(agent, link);
    await agent.post(`${link}/${sa.id}/updates`).type('form').send({ _csrf: csrf, wantsUpdates: 'on' }).expect(303);
    expect((await t.db.getRepository(Signature).findOneByOrFail({ id: sa.id })).wantsUpdates).toBe(true);
    expect((await agent.get(link)).text).toContain(tFor('en')('mySignatures.list.updatesOn'));
    await agent.post(`${link}/${sa.id}/updates`).type('form').send({ _csrf: csrf, wantsUpdates: 'off' }).expect(303);
    expect((await t.db.getRepository(Signature).findOneByOrFail({ id: sa.id })).wantsUpdates).toBe(false);
  });

  test('withdrawing asks first, then withdraws as the emailed link does: out of the count, data erased', async () => {
    const { b, sb, name, agent, link } = await signedTwice();
    expect(await verifiedCount(t.db, b.id)).toBe(1);
    const ask = await agent.get(`${link}/${sb.id}/withdraw`);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain(tFor('en')('mySignatures.withdraw.heading'));
    // The confirmation page changed nothing.
    expect(await t.db.getRepository(Signature).findOneBy({ id: sb.id })).not.toBeNull();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(ask.text)![1];
    const res = await agent.post(`${link}/${sb.id}/withdraw`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(await t.db.getRepository(Signature).findOneBy({ id: sb.id })).toBeNull();
    expect(await verifiedCount(t.db, b.id)).toBe(0);
    expect((await request(t.app).get(`/letters/${b.slug}`)).text).not.toContain(name);
    // The public integrity report counts it as withdrawn, as it counts the emailed link's.
    expect((await integrityReport(t.db, b.id)).withdrawn).toBe(1);
    const list = await agent.get(res.headers.location);
    expect(list.text).toContain(tFor('en')('mySignatures.list.withdrawn'));
    expect(list.text).not.toContain(`s-${sb.id}`);
    // Gone: a second press is a 404, not an error.
    expect((await agent.post(`${link}/${sb.id}/withdraw`).type('form').send({ _csrf: csrf })).status).toBe(404);
  });

  test("another address's signature cannot be reached with this link", async () => {
    const { agent, link } = await signedTwice();
    const stranger = await aSignature(t.db, (await aLetter(t.db)).id, { email: anEmail('not-mine') });
    const csrf = await csrfOf(agent, link);
    expect((await agent.get(`${link}/${stranger.id}/withdraw`)).status).toBe(404);
    expect((await agent.post(`${link}/${stranger.id}/withdraw`).type('form').send({ _csrf: csrf })).status).toBe(404);
    expect(
      (await agent.post(`${link}/${stranger.id}/visibility`).type('form').send({ _csrf: csrf, visibility: 'private' }))
        .status,
    ).toBe(404);
    expect(
      (await agent.post(`${link}/not-a-uuid/visibility`).type('form').send({ _csrf: csrf, visibility: 'private' }))
        .status,
    ).toBe(404);
    expect(await t.db.getRepository(Signature).findOneBy({ id: stranger.id })).not.toBeNull();
  });

  test('a POST without the CSRF token is refused (403) and changes nothing', async () => {
    const { sa, sb, agent, link } = await signedTwice();
    expect((await agent.post(`${link}/${sa.id}/visibility`).type('form').send({ visibility: 'public' })).status).toBe(
      403,
    );
    expect((await agent.post(`${link}/${sb.id}/withdraw`).type('form').send({})).status).toBe(403);
    expect(
      (await agent.post(`${link}/${sa.id}/updates`).type('form').send({ _csrf: 'forged', wantsUpdates: 'on' })).status,
    ).toBe(403);
    const fresh = request.agent(t.app);
    expect((await fresh.post('/my-signatures').type('form').send({ email: anEmail() })).status).toBe(403);
    const sig = await t.db.getRepository(Signature).findOneByOrFail({ id: sa.id });
    expect(sig.visibility).toBe('private');
    expect(sig.wantsUpdates).toBe(false);
    expect(await t.db.getRepository(Signature).findOneBy({ id: sb.id })).not.toBeNull();
  });
});

describe('where the link is offered', () => {
  test('on every letter page and in the site footer', async () => {
    const letter = await aLetter(t.db);
    const page = await request(t.app).get(`/letters/${letter.slug}?lang=uk`);
    expect(page.text).toContain(tFor('uk')('mySignatures.letterLink'));
    expect(page.text).toContain(tFor('uk')('mySignatures.footerLink'));
    expect(page.text).toContain('href="/my-signatures?lang=uk"');
    expect((await request(t.app).get(`/letters/${letter.slug}/manage?lang=fr`)).text).toContain(
      'href="/my-signatures?lang=fr"',
    );
    const closed = await aLetter(t.db, { status: 'closed' });
    expect((await request(t.app).get(`/letters/${closed.slug}`)).text).toContain(tFor('en')('mySignatures.letterLink'));
    expect((await request(t.app).get('/')).text).toContain('href="/my-signatures"');
  });

  test("robots.txt keeps crawlers out of the link's pages (the request page stays open)", async () => {
    const robots = await request(t.app).get('/robots.txt');
    expect(robots.text.split('\n')).toContain('Disallow: /my-signatures/');
  });

  test('in the confirmation email a signer receives, html and text', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=fr`);
    await b.agent
      .post(`/letters/${letter.slug}/sign?lang=fr`)
      .type('form')
      .send({ ...form, _csrf: csrf })
      .expect(303);
    const [mail] = await t.smtp.waitFor(form.email);
    expect(mail.text).toContain('http://undersigned.test/my-signatures?lang=fr');
    expect(mail.html).toContain('http://undersigned.test/my-signatures?lang=fr');
    expect(mail.text).toContain(tFor('fr')('mySignatures.email.footerText'));
    await confirmByLink(t.app, linkFrom(mail, '/s/confirm/'));
  });

  test('in every email sent to signers, html and text', async () => {
    const transport = smtpTransport(t.smtp.url, t.config.MAIL_FROM);
    const mailer = new Mailer(transport);
    const to = anEmail('every-mail');
    const letter = { title: 'A letter', url: 'http://undersigned.test/letters/a-letter?lang=ru' };
    const withdrawUrl = 'http://undersigned.test/s/withdraw/x';
    const unsubscribeUrl = 'http://undersigned.test/u/x';
    try {
      const common = { letter, withdrawUrl, mySignaturesUrl: mySignaturesUrl('http://undersigned.test', 'ru') };
      const confirm = { ...common, confirmUrl: 'http://undersigned.test/s/confirm/x', expiresHours: 48 };
      await mailer.sendShared(to, 'ru', confirmationEmail('ru', { ...confirm, reminder: false }));
      await mailer.sendShared(to, 'ru', confirmationEmail('ru', { ...confirm, reminder: true }));
      await mailer.send(to, 'ru', alreadySignedEmail('ru', { ...common, name: 'N' }));
      await mailer.send(to, 'ru', manageEmail('ru', { ...common, name: 'N' }));
      const update = { ...common, name: 'N', unsubscribeUrl };
      await mailer.sendShared(
        to,
        'ru',
        letterUpdateEmail({
          ...update,
          updateId: 'every-mail',
          version: 'ru',
          subject: 'News',
          bodyHtml: '<p>News</p>',
          bodyText: 'News',
        }),
      );
      await mailer.send(
        to,
        'ru',
        officialResponseEmail('ru', { ...update, bodyHtml: '<p>R</p>', bodyText: 'R', date: '1 May', link: null }),
      );
      await mailer.send(to, 'ru', {
        template: 'text-changed',
        subject: 'Changed',
        locals: {
          ...update,
          changedOn: '1 May',
          signedVersion: 1,
          newVersion: 2,
          diffUrl: 'http://undersigned.test/letters/a-letter/diff',
        },
      });
    } finally {
      transport.close();
    }
    const mails = await t.smtp.waitFor(to, 7);
    for (const mail of mails) {
      expect(mail.text).toContain('http://undersigned.test/my-signatures?lang=ru');
      expect(mail.html).toContain('href="http://undersigned.test/my-signatures?lang=ru"');
      expect(mail.text).toContain(tFor('ru')('mySignatures.email.footerText'));
    }
  });
});

describe('erasure', () => {
  test('erasing a person on request deletes their requests for the link too, and the link stops working', async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('erase');
    await aSignature(t.db, letter, { email });
    const link = await aLinkFor(email);
    await eraseSigner(t.db, email.toUpperCase());
    const rows = await t.db.query(`SELECT 1 FROM my_signatures_links WHERE email_normalised = $1`, [email]);
    expect(rows).toHaveLength(0);
    expect((await request(t.app).get(link)).status).toBe(404);
  });
});
