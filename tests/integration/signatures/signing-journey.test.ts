import { aLetter, anEmail, signForm } from '../../support/factories';
import { confirmByLink, sign } from '../../support/journey';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';
import { Signature } from '../../../src/features/signatures/signature.entity';
import { verifiedCount } from '../../../src/core/letters/counts.service';

const t = useTestApp();

function pathOf(url: string): string {
  return new URL(url).pathname;
}

describe('the signing journey', () => {
  test("a signature counts only after the button on the emailed link's page is pressed, and then appears as the signer chose", async () => {
    const letter = await aLetter(t.db, { title: 'Free them all' });
    const form = signForm({ fullName: 'Айгерім Қасымқызы', visibility: 'public', city: 'Алматы', country: 'KZ' });
    const res = await sign(t.app, letter.slug, form, { lang: 'en' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/letters/${letter.slug}/check-email?lang=en`);
    expect(await verifiedCount(t.db, letter.id)).toBe(0);

    const [mail] = await t.smtp.waitFor(form.email);
    expect(mail.subject).toContain('Free them all');
    expect(mail.html).toContain('Confirm my signature');
    const confirm = linkFrom(mail, '/s/confirm/');
    expect(confirm.startsWith('http://undersigned.test/s/confirm/')).toBe(true);
    expect(mail.text).toContain('/s/withdraw/');

    const opened = await browser(t.app).agent.get(pathOf(confirm));
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('Айгерім Қасымқызы');
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    const page = await confirmByLink(t.app, confirm);
    expect(page.status).toBe(200);
    expect(page.text).toContain('your signature is confirmed');
    expect(await verifiedCount(t.db, letter.id)).toBe(1);

    const letterPage = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    expect(letterPage.text).toContain('Айгерім Қасымқызы');
    expect(letterPage.text).toContain('Алматы');
    expect(letterPage.text).toContain('1 verified signature');

    const json = await browser(t.app).agent.get(`/letters/${letter.slug}.json`).expect(200);
    expect(json.body.signatureCount).toBe(1);
    expect(JSON.stringify(json.body)).not.toContain(form.email);
  });

  test('confirming by the link again shows the confirmed page and never counts twice', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    await sign(t.app, letter.slug, form);
    const confirm = pathOf(linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/'));
    for (let i = 0; i < 3; i++) {
      const res = await confirmByLink(t.app, confirm);
      expect(res.status).toBe(200);
      expect(res.text).toContain('your signature is confirmed');
    }
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
  });

  test('an unknown token gets a clear 404 page and an expired one a 410 page', async () => {
    const unknown = await confirmByLink(t.app, '/s/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This link does not work');
    expect(unknown.text).not.toMatch(/at .*\.ts:\d+/);

    const letter = await aLetter(t.db);
    const form = signForm();
    await sign(t.app, letter.slug, form);
    const confirm = pathOf(linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/'));
    await t.db.query(
      `UPDATE tokens SET expires_at = now() - interval '1 minute' WHERE purpose = 'confirm' AND signature_id IN (SELECT id FROM signatures WHERE letter_id = $1)`,
      [letter.id],
    );
    const expired = await confirmByLink(t.app, confirm);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This link has expired');
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
  });

  test('tokens are stored only as hashes', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    await sign(t.app, letter.slug, form);
    const raw = linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/')
      .split('/')
      .pop()!;
    const rows: Array<{ token_hash: string }> = await t.db.query('SELECT token_hash FROM tokens');
    expect(rows.some((r) => r.token_hash.includes(raw))).toBe(false);
    const jobs: Array<{ payload: unknown }> = await t.db.query('SELECT payload FROM graphile_worker._private_jobs');
    expect(JSON.stringify(jobs)).not.toContain(raw);
  });

  test('signing again with the same address in another case and with spaces never makes a second signature', async () => {
    const letter = await aLetter(t.db);
    const email = anEmail('Dup');
    const first = await sign(t.app, letter.slug, signForm({ email }));
    await t.smtp.waitFor(email, 1);
    const again = await sign(t.app, letter.slug, signForm({ email: `  ${email.toUpperCase()}  ` }));
    expect(again.status).toBe(first.status);
    expect(again.headers.location).toBe(first.headers.location);
    // a pending signature gets a fresh confirmation email
    const mails = await t.smtp.waitFor(email, 2);
    expect(mails[1].subject).toMatch(/^Confirm your signature/);
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(1);
  });

  test('a confirmed signer who signs again gets an "already signed" email and the same page', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const first = await sign(t.app, letter.slug, form);
    await confirmByLink(t.app, linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/'));
    const again = await sign(t.app, letter.slug, form);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(first.headers.location);
    const mails = await t.smtp.waitFor(form.email, 2);
    expect(mails[1].subject).toMatch(/^You have already signed/);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
  });

  test("ten presses of one confirmation link's button at the same moment confirm once and count once", async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    await sign(t.app, letter.slug, form);
    const confirm = pathOf(linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/'));
    const pages = await Promise.all(Array.from({ length: 10 }, () => confirmByLink(t.app, confirm)));
    expect(pages.map((p) => p.status)).toEqual(Array(10).fill(200));
    expect(pages.every((p) => p.text.includes('your signature is confirmed'))).toBe(true);
    const deltas: Array<{ n: string }> = await t.db.query(
      'SELECT count(*) AS n FROM signature_count_deltas WHERE letter_id = $1',
      [letter.id],
    );
    const folded: Array<{ n: string }> = await t.db.query(
      'SELECT coalesce(sum(verified), 0) AS n FROM letter_country_counts WHERE letter_id = $1',
      [letter.id],
    );
    expect(Number(deltas[0].n) + Number(folded[0].n)).toBe(1);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    const [token]: Array<{ used_at: Date | null }> = await t.db.query(
      `SELECT used_at FROM tokens WHERE purpose = 'confirm' AND signature_id = (SELECT id FROM signatures WHERE letter_id = $1)`,
      [letter.id],
    );
    expect(token.used_at).toBeInstanceOf(Date);
  });

  test('twenty concurrent identical submissions leave exactly one signature', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const clients = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const b = browser(t.app);
        return { b, csrf: await b.csrfFrom(`/letters/${letter.slug}`) };
      }),
    );
    const results = await Promise.all(
      clients.map(({ b, csrf }) =>
        b.agent
          .post(`/letters/${letter.slug}/sign`)
          .type('form')
          .send({ ...form, _csrf: csrf }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(303));
    expect(await t.db.getRepository(Signature).countBy({ letterId: letter.id })).toBe(1);
  });

  test('withdrawing asks for confirmation, then removes the signature from the count and erases the data', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({ fullName: 'Мұхтар Әбілқасымұлы' });
    await sign(t.app, letter.slug, form);
    const mail = (await t.smtp.waitFor(form.email))[0];
    await confirmByLink(t.app, linkFrom(mail, '/s/confirm/'));
    expect(await verifiedCount(t.db, letter.id)).toBe(1);

    const withdraw = pathOf(linkFrom(mail, '/s/withdraw/'));
    const b = browser(t.app);
    const page = await b.agent.get(withdraw).expect(200);
    expect(page.text).toContain('Withdraw my signature');
    // Opening the link alone changes nothing (mail scanners open links).
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1];
    const done = await b.agent.post(withdraw).type('form').send({ _csrf: csrf });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your signature is withdrawn');
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    const left = await t.db.query('SELECT count(*)::int AS n FROM signatures WHERE email_normalised = $1', [
      form.email,
    ]);
    expect(left[0].n).toBe(0);
    const letterPage = await browser(t.app).agent.get(`/letters/${letter.slug}`);
    expect(letterPage.text).not.toContain('Мұхтар Әбілқасымұлы');
  });

  test('the manage page answers the same for a signer and a stranger, and mails only the signer', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    await sign(t.app, letter.slug, form);
    await confirmByLink(t.app, linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/'));
    const stranger = anEmail('stranger');
    const answers = [];
    for (const email of [form.email, stranger]) {
      const b = browser(t.app);
      const csrf = await b.csrfFrom(`/letters/${letter.slug}/manage`);
      const res = await b.agent.post(`/letters/${letter.slug}/manage`).type('form').send({ email, _csrf: csrf });
      answers.push({ status: res.status, text: res.text.replace(/name="_csrf" value="[^"]+"/, '') });
    }
    expect(answers[0]).toEqual(answers[1]);
    const mails = await t.smtp.waitFor(form.email, 2);
    expect(mails[1].text).toContain('/s/withdraw/');
    await new Promise((r) => setTimeout(r, 500));
    expect(t.smtp.to(stranger)).toHaveLength(0);
  });
});
