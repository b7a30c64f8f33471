import request from 'supertest';
import { aLetter, anEmail, signForm } from '../../support/factories';
import { confirmByLink, sign } from '../../support/journey';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';
import { verifiedCount } from '../../../src/core/letters/counts.service';

const t = useTestApp();

async function signAndGetLink(slug: string, form: Record<string, string>, lang = 'en'): Promise<string> {
  await sign(t.app, slug, form, { lang });
  const [mail] = await t.smtp.waitFor(form.email);
  return new URL(linkFrom(mail, '/s/confirm/')).pathname;
}

async function statusOf(letterId: string, email: string): Promise<{ status: string; visibility: string } | undefined> {
  const rows: Array<{ status: string; visibility: string }> = await t.db.query(
    'SELECT status, visibility FROM signatures WHERE letter_id = $1 AND email_normalised = $2',
    [letterId, email],
  );
  return rows[0];
}

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)![1];
}

describe('the confirmation link', () => {
  test('opening it (GET or HEAD, as a mail scanner does) changes nothing and shows what is being confirmed', async () => {
    const letter = await aLetter(t.db, { title: 'Release the prisoners' });
    const form = signForm({ fullName: 'Ганна Шевченко', visibility: 'public' });
    const link = await signAndGetLink(letter.slug, form);

    const head = await request(t.app).head(link);
    expect(head.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const page = await request(t.app).get(link);
      expect(page.status).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toContain('Release the prisoners');
      expect(page.text).toContain('Ганна Шевченко');
      expect(page.text).toContain('Your full name will be shown publicly');
      expect(page.text).toContain('we will not email this address about this letter for 30 days');
      expect(page.text).toMatch(/<button[^>]*>\s*Confirm my signature\s*<\/button>/);
      expect(page.text).toMatch(/<button[^>]*>\s*This wasn(’|&#39;|')t me\s*<\/button>/);
      // The three choices, the signer's own checked.
      expect(page.text).toMatch(/<input[^>]*name="visibility"[^>]*value="public"[^>]*checked/);
      expect(page.text).toContain('value="initials"');
      expect(page.text).toContain('value="private"');
      // The only cookie the page sets is the CSRF one its forms need.
      const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split('=')[0]);
      expect(cookies).toEqual(['csrf']);
    }
    expect(await statusOf(letter.id, form.email)).toEqual({ status: 'pending', visibility: 'public' });
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    const [token]: Array<{ used_at: Date | null }> = await t.db.query(
      `SELECT used_at FROM tokens WHERE purpose = 'confirm' AND signature_id = (SELECT id FROM signatures WHERE letter_id = $1)`,
      [letter.id],
    );
    expect(token.used_at).toBeNull();
    const letterPage = await request(t.app).get(`/letters/${letter.slug}`);
    expect(letterPage.text).not.toContain('Ганна Шевченко');
  });

  test('the page says how the name will appear in each of the three choices', async () => {
    const letter = await aLetter(t.db);
    const initials = signForm({ fullName: 'Олена Ковальчук', visibility: 'initials' });
    const hidden = signForm({ fullName: 'Марія Коваль', visibility: 'private' });
    const a = await request(t.app).get(await signAndGetLink(letter.slug, initials));
    expect(a.text).toContain('Only your initials will be shown publicly');
    expect(a.text).toContain('О. К.');
    const b = await request(t.app).get(await signAndGetLink(letter.slug, hidden));
    expect(b.text).toContain('Your name will not be shown publicly');
    const uk = await request(t.app).get(`${await signAndGetLink(letter.slug, signForm())}?lang=uk`);
    expect(uk.text).toContain('Підтвердити мій підпис');
    expect(uk.text).toContain('щодо цього листа 30 днів');
  });

  test('pressing Confirm counts the signature once and shows the confirmed page', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({ fullName: 'Ігор Мельник', visibility: 'public' });
    const link = await signAndGetLink(letter.slug, form);
    const done = await confirmByLink(t.app, link);
    expect(done.status).toBe(200);
    expect(done.text).toContain('your signature is confirmed');
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    expect((await request(t.app).get(`/letters/${letter.slug}`)).text).toContain('Ігор Мельник');
    // Opening the link again shows the confirmed page, without a button.
    const again = await request(t.app).get(link);
    expect(again.status).toBe(200);
    expect(again.text).toContain('your signature is confirmed');
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
  });

  test('the confirmed page counts each signer in, exactly, and holds no token (it is the same page for every signer)', async () => {
    const letter = await aLetter(t.db);
    const links = [];
    for (const name of ['Ірина Коваль', 'Марат Сейткали', 'Anne Morel'])
      links.push(await signAndGetLink(letter.slug, signForm({ fullName: name })));
    const counts = [];
    for (const link of links) {
      const done = await confirmByLink(t.app, link);
      expect(done.status).toBe(200);
      const token = link.split('/').pop()!;
      expect(done.text).not.toContain(token);
      expect(done.text).toContain(`href="/letters/${letter.slug}?lang=uk"`);
      counts.push(/<p class="count">([^<]*)<\/p>/.exec(done.text)?.[1]);
    }
    expect(counts).toEqual(['1 verified signature', '2 verified signatures', '3 verified signatures']);
    const uk = await confirmByLink(
      t.app,
      `${await signAndGetLink(letter.slug, signForm({ fullName: 'Олег Бондар' }), 'uk')}?lang=uk`,
    );
    expect(/<p class="count">([^<]*)<\/p>/.exec(uk.text)?.[1]).toMatch(/^4 /);
    expect(uk.text).toContain('<html lang="uk">');
  });

  test('a confirming POST without the CSRF token is refused and counts nothing', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const link = await signAndGetLink(letter.slug, form);
    const res = await request(t.app).post(link).type('form').send({});
    expect(res.status).toBe(403);
    expect(await statusOf(letter.id, form.email)).toMatchObject({ status: 'pending' });
  });

  test('the signer can make the name private on the page, and confirming applies that choice', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({ fullName: 'Тарас Бойко', visibility: 'public' });
    const link = await signAndGetLink(letter.slug, form);
    const done = await confirmByLink(t.app, link, { visibility: 'private' });
    expect(done.status).toBe(200);
    expect(await statusOf(letter.id, form.email)).toEqual({ status: 'confirmed', visibility: 'private' });
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    const page = await request(t.app).get(`/letters/${letter.slug}`);
    expect(page.text).not.toContain('Тарас Бойко');
  });

  test('a visibility that is not one of the three choices gets a clear 422 page and confirms nothing', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const link = await signAndGetLink(letter.slug, form);
    const b = browser(t.app);
    const page = await b.agent.get(link).expect(200);
    const res = await b.agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfOf(page.text), visibility: 'everyone' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please choose how your name appears.');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    expect(await statusOf(letter.id, form.email)).toMatchObject({ status: 'pending' });
  });

  test('a second POST, or ten at once, count once and all show the confirmed page', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const link = await signAndGetLink(letter.slug, form);
    const b = browser(t.app);
    const page = await b.agent.get(link).expect(200);
    const csrf = csrfOf(page.text);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => b.agent.post(link).type('form').send({ _csrf: csrf })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.every((a) => a.text.includes('your signature is confirmed'))).toBe(true);
    const later = await b.agent.post(link).type('form').send({ _csrf: csrf, visibility: 'private' });
    expect(later.status).toBe(200);
    expect(later.text).toContain('your signature is confirmed');
    // One statement, one snapshot: the worker may fold the delta into the totals meanwhile.
    const [counted]: Array<{ n: string }> = await t.db.query(
      `SELECT (SELECT count(*) FROM signature_count_deltas WHERE letter_id = $1)
            + (SELECT coalesce(sum(verified), 0) FROM letter_country_counts WHERE letter_id = $1) AS n`,
      [letter.id],
    );
    expect(Number(counted.n)).toBe(1);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
  });

  test('an expired link shows its page on GET and on POST, and counts nothing', async () => {
    const letter = await aLetter(t.db);
    const form = signForm();
    const link = await signAndGetLink(letter.slug, form);
    const b = browser(t.app);
    const page = await b.agent.get(link).expect(200);
    await t.db.query(
      `UPDATE tokens SET expires_at = now() - interval '1 minute' WHERE purpose = 'confirm' AND signature_id IN (SELECT id FROM signatures WHERE letter_id = $1)`,
      [letter.id],
    );
    const expired = await b.agent.get(link);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This link has expired');
    const posted = await b.agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfOf(page.text) });
    expect(posted.status).toBe(410);
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    const unknown = await confirmByLink(t.app, '/s/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This link does not work');
  });

  test('the confirmation email no longer greets with the typed name; the page behind the link shows it', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({ fullName: 'Anna. URGENT: verify your account at https://evil.example' });
    await sign(t.app, letter.slug, form);
    const [mail] = await t.smtp.waitFor(form.email);
    expect(mail.text).not.toContain('URGENT');
    expect(mail.html).not.toContain('URGENT');
    expect(mail.text).not.toContain('evil.example');
    const page = await request(t.app).get(new URL(linkFrom(mail, '/s/confirm/')).pathname);
    expect(page.text).toContain('Anna. URGENT: verify your account at https://evil.example');
  });
});

describe('"This wasn\'t me"', () => {
  test('deletes the pending signature and its tokens, counts and publishes nothing', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({ fullName: 'Павло Гончар', visibility: 'public' });
    const link = await signAndGetLink(letter.slug, form);
    const done = await confirmByLink(t.app, link, { notMe: true });
    expect(done.status).toBe(200);
    expect(done.text).toContain('The signature is deleted');
    expect(done.text).toContain('We will not email this address about this letter for 30 days.');
    const left: Array<{ n: number }> = await t.db.query(
      'SELECT count(*)::int AS n FROM signatures WHERE letter_id = $1',
      [letter.id],
    );
    expect(left[0].n).toBe(0);
    const tokens: Array<{ n: number }> = await t.db.query(
      `SELECT count(*)::int AS n FROM tokens WHERE signature_id IS NOT NULL AND signature_id NOT IN (SELECT id FROM signatures)`,
    );
    expect(tokens[0].n).toBe(0);
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    expect((await request(t.app).get(`/letters/${letter.slug}`)).text).not.toContain('Павло Гончар');
    // The link is spent: it neither confirms nor shows the page again.
    expect((await request(t.app).get(link)).status).toBe(404);
    expect((await confirmByLink(t.app, link)).status).toBe(404);
  });

  test('the address is not emailed again for that letter for 30 days, gets the same page, and is stored only as a keyed hash', async () => {
    const letter = await aLetter(t.db);
    const other = await aLetter(t.db);
    const email = anEmail('victim');
    const link = await signAndGetLink(letter.slug, signForm({ email }));
    await confirmByLink(t.app, link, { notMe: true }).then((r) => expect(r.status).toBe(200));

    const again = await sign(t.app, letter.slug, signForm({ email: email.toUpperCase() }));
    const stranger = await sign(t.app, letter.slug, signForm());
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(stranger.headers.location);
    const left: Array<{ n: number }> = await t.db.query(
      'SELECT count(*)::int AS n FROM signatures WHERE letter_id = $1 AND email_normalised = $2',
      [letter.id, email],
    );
    expect(left[0].n).toBe(0);
    // Another letter is not affected.
    await sign(t.app, other.slug, signForm({ email }));
    await t.smtp.waitFor(email, 2);
    await new Promise((r) => setTimeout(r, 800));
    expect(t.smtp.to(email)).toHaveLength(2);

    const rows: Array<Record<string, unknown>> = await t.db.query(
      'SELECT * FROM signing_suppressions WHERE letter_id = $1',
      [letter.id],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(email.split('@')[0]);
    const days: Array<{ d: number }> = await t.db.query(
      `SELECT round(extract(epoch FROM expires_at - now()) / 86400)::int AS d FROM signing_suppressions WHERE letter_id = $1`,
      [letter.id],
    );
    expect(days[0].d).toBe(30);

    // After the 30 days the address can sign that letter again.
    await t.db.query(`UPDATE signing_suppressions SET expires_at = now() - interval '1 second' WHERE letter_id = $1`, [
      letter.id,
    ]);
    await sign(t.app, letter.slug, signForm({ email }));
    await t.smtp.waitFor(email, 3);
  });

  test('on a signature already confirmed it withdraws it: the count goes back and the data is erased', async () => {
    const letter = await aLetter(t.db);
    const form = signForm({ fullName: 'Оксана Ткач', visibility: 'public' });
    const link = await signAndGetLink(letter.slug, form);
    // A page left open in one tab while the signature is confirmed in another.
    const b = browser(t.app);
    const page = await b.agent.get(link).expect(200);
    await confirmByLink(t.app, link);
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
    const action = /action="([^"]*not-me[^"]*)"/.exec(page.text)![1].replace(/&amp;/g, '&');
    const done = await b.agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfOf(page.text) });
    expect(done.status).toBe(200);
    expect(done.text).toContain('removed from the count');
    expect(await verifiedCount(t.db, letter.id)).toBe(0);
    expect(await statusOf(letter.id, form.email)).toBeUndefined();
    expect((await request(t.app).get(`/letters/${letter.slug}`)).text).not.toContain('Оксана Ткач');
  });
});
