import crypto from 'node:crypto';
import request from 'supertest';
import { addCount, aLetter, BIRTHDAY, seededLetter, signForm } from '../../support/factories';
import { linkFrom } from '../../support/smtp-sink';
import { confirmByLink } from '../../support/journey';
import { browser, useTestApp } from '../../support/test-app';
import { decodeHtml } from '../../support/html';

const t = useTestApp();

const COUNTRIES = [
  'UA',
  'KZ',
  'FR',
  'DE',
  'PL',
  'GB',
  'US',
  'IT',
  'ES',
  'NL',
  'BE',
  'CH',
  'AT',
  'CZ',
  'LT',
  'LV',
  'EE',
  'SE',
  'NO',
  'FI',
  'DK',
  'IE',
  'PT',
  'GR',
  'RO',
  'BG',
  'HU',
  'SK',
  'SI',
  'HR',
  'RS',
  'MD',
  'GE',
  'AM',
  'AZ',
  'KG',
  'UZ',
  'TJ',
  'TR',
  'IL',
  'CA',
  'AU',
];

/** A letter some weeks into a campaign: public signatories of both kinds and counts from many countries. */
async function realisticState(letterId: string) {
  for (const [i, c] of COUNTRIES.entries()) await addCount(t.db, letterId, c, Math.max(1, Math.round(900 / (i + 1))));
  const rows: unknown[][] = [];
  for (let i = 0; i < 25; i++) {
    const person = `Олександра-Вікторія Костянтинопольська-Шевченко ${i}`;
    rows.push([person, 'individual', null, 'Дніпропетровськ-Запоріжжя']);
    rows.push([
      `Іван Петренко ${i}`,
      'organisation',
      `Міжнародна правозахисна ініціатива «Відкритий діалог та свобода слова» ${i}`,
      'Київ',
    ]);
  }
  for (const [name, signedAs, organisation, city] of rows) {
    const email = `weight-${crypto.randomBytes(6).toString('hex')}@example.org`;
    await t.db.query(
      `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, city, organisation, signed_as, visibility, language, status, confirmed_at)
       VALUES ($1, $2, $3, $3, 'UA', $4, $5, $6, 'public', 'uk', 'confirmed', now())`,
      [letterId, name, email, city, organisation, signedAs],
    );
  }
}

describe('page weight', () => {
  test('the birthday letter in Ukrainian, with many signatories and countries, is under 50 KB of HTML and is compressed', async () => {
    const letter = await seededLetter(t.db, BIRTHDAY);
    await realisticState(letter.id);
    const res = await request(t.app).get(`/letters/${BIRTHDAY}?lang=uk`).set('Accept-Encoding', 'identity').expect(200);
    const bytes = Buffer.byteLength(res.text, 'utf8');
    expect(res.text).toContain('Олександра-Вікторія');
    expect(res.text).toContain('Інші країни');
    expect(bytes).toBeLessThan(50 * 1024);

    const gz = await request(t.app).get(`/letters/${BIRTHDAY}?lang=uk`).set('Accept-Encoding', 'gzip').expect(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
  });

  test('the public JSON and the static files are cacheable', async () => {
    await seededLetter(t.db);
    const json = await request(t.app).get(`/letters/${BIRTHDAY}.json`).expect(200);
    expect(json.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=5');
    for (const f of ['/static/site.css', '/static/sharing.css', '/static/share.js']) {
      const res = await request(t.app).get(f).expect(200);
      expect(res.headers['cache-control']).toMatch(/public, max-age=\d{4,}/);
    }
  });
});

describe('sharing after confirming', () => {
  test('the confirmation page invites the signer to share, in their language, with plain links and a copy control', async () => {
    const letter = await aLetter(t.db, { title: 'Свобода для журналістів', language: 'uk' });
    const form = signForm();
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=uk`);
    await b.agent
      .post(`/letters/${letter.slug}/sign?lang=uk`)
      .type('form')
      .send({ ...form, _csrf: csrf })
      .expect(303);
    const confirm = new URL(linkFrom((await t.smtp.waitFor(form.email))[0], '/s/confirm/')).pathname;
    const page = await confirmByLink(b.agent, confirm);
    expect(page.status).toBe(200);

    const url = `http://undersigned.test/letters/${letter.slug}?lang=uk`;
    const links = [
      ...page.text.matchAll(/<a class="share-(\w+)" href="([^"]+)" rel="noopener noreferrer">([^<]+)<\/a>/g),
    ];
    expect(links.map((m) => m[1])).toEqual(['telegram', 'whatsapp', 'facebook', 'x', 'email']);
    expect(links[4][3]).toBe('Ел. пошта');
    for (const m of links) expect(decodeHtml(m[2])).toContain(encodeURIComponent(url));
    const telegram = decodeURIComponent(decodeHtml(links[0][2]));
    expect(telegram).toContain('Свобода для журналістів');
    expect(telegram).not.toMatch(/utm_|fbclid/);
    expect(page.text).toContain(`<input id="share-url" type="text" readonly value="${url}"`);
    expect(page.text).toContain('<script src="/static/share.js" defer></script>');
    expect(page.text).toContain(`href="/letters/${letter.slug}/qr.svg?lang=uk"`);
  });
});
