import crypto from 'node:crypto';
import { aLetter, signForm } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';

const t = useTestApp({}, { worker: false });

const csrfOf = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)![1];
const hidden = (html: string, name: string) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];

async function emailsOn(letterId: string): Promise<string[]> {
  const rows: Array<{ email: string }> = await t.db.query('SELECT email FROM signatures WHERE letter_id = $1', [
    letterId,
  ]);
  return rows.map((r) => r.email);
}

describe('"Did you mean …?" on the sign form', () => {
  const local = () => `anna.${crypto.randomBytes(3).toString('hex')}`;

  test('a mistyped provider re-renders the form once with a hint, keeping every value, and signs nothing yet', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    const name = local();
    const form = signForm({ email: `${name}@gmial.com`, fullName: 'Анна Коваль', city: 'Львів' });
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...form, _csrf: csrf });
    expect(res.status).toBe(200);
    expect(res.text).toContain(`Did you mean ${name}@gmail.com?`);
    expect(res.text).toContain(`Yes, use ${name}@gmail.com`);
    expect(res.text).toContain(`No, ${name}@gmial.com is right`);
    expect(res.text).toContain(`value="${name}@gmial.com"`);
    expect(res.text).toContain('value="Анна Коваль"');
    expect(res.text).toContain('value="Львів"');
    expect(hidden(res.text, 'emailHintFor')).toBe(`${name}@gmial.com`);
    expect(await emailsOn(letter.id)).toEqual([]);
  });

  test('pressing "Yes, use …" signs with the suggested address', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const name = local();
    const form = signForm({ email: `${name}@gmial.com` });
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    const first = await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...form, _csrf: csrf });
    const again = await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({
        ...form,
        emailHintFor: hidden(first.text, 'emailHintFor')!,
        emailChoice: 'suggested',
        _csrf: csrfOf(first.text),
      });
    expect(again.status).toBe(303);
    expect(await emailsOn(letter.id)).toEqual([`${name}@gmail.com`]);
  });

  test('keeping what was typed signs with it, by the "No" button or by submitting the same address again', async () => {
    for (const choice of [{ emailChoice: 'typed' }, {}]) {
      const letter = await aLetter(t.db);
      const b = browser(t.app);
      const name = local();
      const form = signForm({ email: `${name}@hotmial.com` });
      const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
      const first = await b.agent
        .post(`/letters/${letter.slug}/sign`)
        .type('form')
        .send({ ...form, _csrf: csrf });
      expect(first.status).toBe(200);
      const again = await b.agent
        .post(`/letters/${letter.slug}/sign`)
        .type('form')
        .send({ ...form, ...choice, emailHintFor: hidden(first.text, 'emailHintFor')!, _csrf: csrfOf(first.text) });
      expect(again.status).toBe(303);
      expect(await emailsOn(letter.id)).toEqual([`${name}@hotmial.com`]);
    }
  });

  test('an ordinary address signs at once, with no hint', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...signForm(), _csrf: csrf });
    expect(res.status).toBe(303);
  });

  test('the hint speaks the reader language', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=fr`);
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign?lang=fr`)
      .type('form')
      .send({ ...signForm({ email: 'marie@gmial.com' }), _csrf: csrf });
    expect(res.text).toContain('Vouliez-vous dire marie@gmail.com ?');
  });
});
