/**
 * Kazakh as an interface language and a letter language: pages, negotiation, country names,
 * Intl formats, an organiser's Kazakh version, the signer's email and the delivery pack.
 */
import pdfParse from 'pdf-parse';
import request from 'supertest';
import { setChallengeMode } from '../../../src/features/abuse';
import { Letter } from '../../../src/core/letters/letter.entity';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { aLetter, aSignature, signForm } from '../../support/factories';
import { confirmByLink } from '../../support/journey';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../../support/organisers';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';
import { download } from '../../support/exports';

/** The letters of the Kazakh alphabet that Russian has not. */
const KAZAKH_LETTERS = 'ӘәҒғҚқҢңӨөҰұҮүҺһІі';

const t = useTestApp();

/** Intl output uses no-break spaces; the page writes them as they come. */
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('the interface in Kazakh', () => {
  test('?lang=kk renders the letter page in Kazakh, with Kazakh country names and kk numbers and dates', async () => {
    const letter = await aLetter(t.db, { goal: 12500, title: 'Free them all' });
    await t.db
      .getRepository(Letter)
      .update(letter.id, { deliveredAt: new Date(Date.UTC(2025, 2, 3)), deliveredTo: 'The Minister' });
    await aSignature(t.db, letter, { fullName: 'Әсет Құрманғали', country: 'KZ', city: 'Алматы' });

    const res = await request(t.app).get(`/letters/${letter.slug}?lang=kk`).expect(200);
    expect(res.headers['content-language']).toBe('kk');
    const html = plain(res.text);
    expect(html).toMatch(/<html lang="kk"/);
    expect(html).toContain('Осы хатқа қол қою');
    expect(html).toContain('1 расталған қолтаңба');
    // Numbers: a space groups thousands in Kazakh (12 500, not 12,500).
    expect(html).toContain('Мақсат: 12 500 қолтаңба');
    // Dates: "2025 ж. 3 наурыз", as Intl writes them for kk.
    const kkDate = plain(
      new Intl.DateTimeFormat('kk', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2025, 2, 3))),
    );
    expect(kkDate).toContain('наурыз');
    expect(html).toContain(`${kkDate} күні жеткізілді. Алушы: The Minister.`);
    // Country names in Kazakh: in the sign form's list and beside the signatory.
    expect(html).toContain('<option value="KZ">Қазақстан</option>');
    expect(html).toContain('<option value="FR">Франция</option>');
    expect(html).toMatch(/Әсет Құрманғали[\s\S]{0,200}Қазақстан/);
    // The language links name Kazakh in Kazakh, and mark it as the current one.
    expect(html).toMatch(/<a href="[^"]*\?lang=kk" hreflang="kk" lang="kk" aria-current="true">Қазақша<\/a>/);
  });

  test('the country list is complete and sorted the Kazakh way', async () => {
    const html = (
      await request(t.app)
        .get(`/letters/${(await aLetter(t.db)).slug}?lang=kk`)
        .expect(200)
    ).text;
    const select = /<select[^>]*name="country"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    const names = [...select.matchAll(/<option value="([A-Z]{2})">([^<]+)<\/option>/g)].map((m) => m[2]);
    expect(names).toHaveLength(250);
    expect(names).toEqual([...names].sort(new Intl.Collator('kk').compare));
    // Kazakh's own letters sort beside their Russian neighbours, not after Я.
    expect(names.indexOf('Өзбекстан')).toBeLessThan(names.indexOf('Ямайка'));
  });

  test.each(['kk', 'kk-KZ', 'kk-KZ,ru;q=0.8,en;q=0.5'])('Accept-Language %s picks Kazakh', async (header) => {
    const res = await request(t.app).get('/').set('Accept-Language', header).expect(200);
    expect(res.headers['content-language']).toBe('kk');
    expect(res.text).toMatch(/<html lang="kk"/);
    expect(res.text).toContain('Қол қоюға болатын ашық хаттар');
  });

  test('Kazakh ranked below Russian gives Russian', async () => {
    const res = await request(t.app).get('/').set('Accept-Language', 'ru;q=0.9,kk;q=0.5').expect(200);
    expect(res.headers['content-language']).toBe('ru');
  });

  test('a bad form in Kazakh comes back with Kazakh messages and a 422', async () => {
    const letter = await aLetter(t.db);
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=kk`);
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign?lang=kk`)
      .type('form')
      .send({ ...signForm({ email: 'not-an-address', country: '' }), _csrf: csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Төменде белгіленген өрістерді түзетіңіз.');
    expect(res.text).toContain('Еліңізді таңдаңыз.');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('challenge mode in Kazakh', () => {
  test("the sign form loads the challenge widget's Kazakh texts, served from this site", async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner, 'owner', { status: 'open' });
    await setChallengeMode(t.ctx, letter.id, true, { id: owner.id, name: owner.name });
    const page = await request(t.app).get(`/letters/${letter.slug}?lang=kk`).expect(200);
    expect(page.text).toContain('language="kk"');
    expect(page.text).toContain('<script type="module" src="/static/altcha/i18n-kk.js"></script>');
    const file = await request(t.app).get('/static/altcha/i18n-kk.js').expect(200);
    expect(file.text).toContain('set("kk"');
    expect(file.text).toContain('Мен робот емеспін');
  });
});

describe('letters in Kazakh', () => {
  test('an organiser adds a Kazakh version; ?lang=kk shows it, and the oEmbed and JSON answers carry it', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const letter = await aLetterOf(t.db, organiser, 'owner', { status: 'open', title: 'Free the journalists' });
    const page = `/organise/letters/${letter.slug}/edit`;
    const form = (await b.agent.get(page).expect(200)).text;
    expect(form).toContain('<option value="kk" lang="kk">Қазақша</option>');

    const res = await postForm(b, page, page, {
      slug: letter.slug,
      status: 'open',
      goal: '100',
      closesAt: '',
      defaultLanguage: 'en',
      publicNamesDefault: 'private',
      tr0_language: 'en',
      tr0_title: 'Free the journalists',
      tr0_summary: 'A letter made by a test.',
      tr0_body: 'We ask for **justice**.',
      tr0_recipient: 'The Minister',
      tr1_language: 'kk',
      tr1_title: 'Журналистерді босатыңыз',
      tr1_summary: 'Сөз бостандығы үшін хат.',
      tr1_body: 'Біз **әділдікті** талап етеміз.',
      tr1_recipient: 'Әділет министріне',
      action: 'save',
    });
    expect(res.status).toBe(303);

    const kk = await request(t.app).get(`/letters/${letter.slug}?lang=kk`).expect(200);
    expect(kk.text).toContain('Журналистерді босатыңыз');
    expect(kk.text).toContain('<strong>әділдікті</strong>');
    expect(kk.text).toContain('Әділет министріне');
    expect(kk.text).toMatch(/<link rel="alternate" hreflang="kk" href="[^"]+\?lang=kk">/);
    expect(kk.text).toMatch(/<meta property="og:locale" content="kk_KZ">/);
    // Share texts in Kazakh, and a share image for the Kazakh version.
    const telegram = /<a class="share-telegram" href="([^"]+)"/.exec(kk.text)?.[1] ?? '';
    expect(decodeURIComponent(telegram.replace(/&amp;/g, '&'))).toContain(
      '«Журналистерді босатыңыз» ашық хатын оқып, атыңызды қосыңыз:',
    );
    const png = await request(t.app).get(`/letters/${letter.slug}/share.png?lang=kk`).expect(200);
    expect(png.headers['content-type']).toBe('image/png');
    // The English reader sees a link to the Kazakh version, named in Kazakh.
    const en = await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(en.text).toMatch(
      new RegExp(`<a href="/letters/${letter.slug}\\?lang=kk" hreflang="kk" lang="kk">Қазақша</a>`),
    );

    const url = `http://undersigned.test/letters/${letter.slug}?lang=kk`;
    const oembed = await request(t.app)
      .get(`/oembed?url=${encodeURIComponent(url)}&format=json`)
      .expect(200);
    expect(oembed.body.title).toBe('Журналистерді босатыңыз');
    expect(oembed.body.html).toContain(`/letters/${letter.slug}/embed?lang=kk`);
    const embed = await request(t.app).get(`/letters/${letter.slug}/embed?lang=kk`).expect(200);
    expect(embed.text).toContain('Хатқа қол қою');

    const json = await request(t.app).get(`/letters/${letter.slug}.json?lang=kk`).expect(200);
    expect(JSON.stringify(json.body)).toContain('Журналистерді босатыңыз');
  });

  test('a signer who signs in Kazakh gets the confirmation email in Kazakh and confirms on a Kazakh page', async () => {
    const letter = await aLetter(t.db, { title: 'Free them all' });
    const form = signForm({ fullName: 'Айгерім Қасымқызы', country: 'KZ', city: 'Астана' });
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=kk`);
    const res = await b.agent
      .post(`/letters/${letter.slug}/sign?lang=kk`)
      .type('form')
      .send({ ...form, _csrf: csrf });
    expect(res.status).toBe(303);
    const check = await b.agent.get(res.headers.location).expect(200);
    expect(check.text).toContain('Электрондық поштаңызды тексеріңіз');

    const [mail] = await t.smtp.waitFor(form.email);
    expect(mail.subject).toBe('Қолтаңбаңызды растаңыз: Free them all');
    expect(mail.html).toContain('Қолтаңбамды растау');
    expect(mail.text).toContain('хатына қол қойғаныңыз үшін рақмет');
    expect(mail.text).toContain('Бұл сілтеме');
    expect(mail.html).toMatch(/<html lang="kk"/);

    // The signer's browser keeps the language chosen on the letter page.
    const confirmed = await confirmByLink(b.agent, linkFrom(mail, '/s/confirm/'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Рақмет, қолтаңбаңыз расталды');
  });
});

describe('the delivery pack in Kazakh', () => {
  test('the PDF prints Kazakh names and its Kazakh labels with every Kazakh letter', async () => {
    const organiser = await anOrganiser(t.db);
    const b = await signInAs(t.app, t.smtp, organiser.email);
    const letter = await aLetterOf(t.db, organiser, 'owner', { status: 'open', title: 'Birthday greetings' });
    // The pack is in the language of the letter version chosen, so the letter needs a Kazakh one.
    await t.db.getRepository(LetterTranslation).save({
      letterId: letter.id,
      language: 'kk',
      title: 'Туған күн құттықтауы',
      summary: 'Сынақ жасаған хат.',
      body: 'Біз **әділдікті** талап етеміз.',
      recipient: 'Әділет министріне',
    });
    // Paper sheets often give the surname in capitals.
    const names = [
      'Әсет Ғалымұлы',
      'Қанат Өмірзақ',
      'Ұлжан Үсенова',
      'Һашим Іңкәрбеков',
      'ЖАҢБЫРБАЕВ Нұрлан',
      'Төлеген Жиһанов',
      'Гүлнұр Ноғайбаева',
    ];
    for (const fullName of names) await aSignature(t.db, letter, { fullName, country: 'KZ', city: 'Шымкент' });

    const res = await download(b, letter.slug, { format: 'pdf', columns: ['name', 'country', 'city'], language: 'kk' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    // A letter the font lacks is drawn as glyph 0, which the pack's text map reads as U+0000:
    // finding every Kazakh letter in the text shows the embedded fonts have them.
    const text = (await pdfParse(res.body as Buffer)).text;
    expect(text).not.toContain('\u0000');
    for (const name of names) expect(text).toContain(name);
    for (const ch of KAZAKH_LETTERS) expect(text).toContain(ch);
    expect(text).toContain('Туған күн құттықтауы');
    expect(text).toContain('Әділет министріне');
    expect(text).toContain('Қол қоюшылар');
    expect(text).toContain('Расталған қолтаңбалар');
    expect(text).toContain('Қазақстан');
    expect(text).toMatch(/беттің 1-беті/);
  });
});
