import request from 'supertest';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import type { Language } from '../../../src/core/letters/letter.entity';
import { LetterUpdate } from '../../../src/features/updates/letter-update.entity';
import { sendUpdateEmail } from '../../../src/features/updates/update-email.task';
import { fanOut } from '../../../src/features/updates/updates.service';
import { TASK_UPDATE_EMAIL, TASK_UPDATE_FANOUT } from '../../../src/features/updates/updates.queue';
import { Mailer } from '../../../src/platform/mail/mailer';
import { smtpTransport } from '../../../src/platform/mail/transport';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import type { ReceivedMail } from '../../support/smtp-sink';
import { useTestApp } from '../../support/test-app';
import { aSignature, aSignatureOn, anEmail } from '../../support/factories';
import { drained } from '../../support/jobs';

let owner: Awaited<ReturnType<typeof anOrganiser>>;
let ownerBrowser: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  ownerBrowser = await signInAs(t.app, t.smtp, owner.email);
});

/** A letter in English (its default) with French and Ukrainian translations. */
async function aTrilingualLetter(title: string) {
  const letter = await aLetterOf(t.db, owner, 'owner', { title });
  for (const [language, translated] of [
    ['fr', `${title} (fr)`],
    ['uk', `${title} (uk)`],
  ] as const)
    await t.db.getRepository(LetterTranslation).save({
      letterId: letter.id,
      language,
      title: translated,
      summary: 'Traduction.',
      body: 'Texte.',
      recipient: 'Le ministre',
    });
  return letter;
}

const page = (slug: string) => `/organise/letters/${slug}/updates`;

/** Previews then confirms an update through the pages, as an owner does. Returns the confirm's answer. */
async function previewAndSend(slug: string, form: Record<string, string | string[]>) {
  const preview = await postForm(ownerBrowser, page(slug), page(slug), { ...form, step: 'preview' });
  expect(preview.status).toBe(200);
  const confirm = await postForm(ownerBrowser, page(slug), page(slug), { ...form, step: 'send' });
  return { preview, confirm };
}

async function sentUpdate(subject: string) {
  const update = await t.db.getRepository(LetterUpdate).findOneOrFail({ where: { subject } });
  await drained(t.db, TASK_UPDATE_FANOUT, update.id);
  await drained(t.db, TASK_UPDATE_EMAIL, update.id);
  return t.db.getRepository(LetterUpdate).findOneByOrFail({ id: update.id });
}

function unsubscribePath(mail: ReceivedMail): string {
  const list = mail.headers.get('list') as { unsubscribe?: { url?: string } } | undefined;
  return new URL(list!.unsubscribe!.url!).pathname;
}

describe('an update in the letter’s languages', () => {
  test('each signer gets the version in the language they signed in, an empty language gets the default; the preview says who is affected', async () => {
    const letter = await aTrilingualLetter('Free the three reporters');
    const signers: Record<string, Awaited<ReturnType<typeof aSignatureOn>>> = {};
    for (const language of ['en', 'fr', 'uk', 'ru'] as Language[])
      signers[language] = await aSignatureOn(t.db, letter.id, { language });
    // A name that must stay text in the HTML part.
    await t.db.query(`UPDATE signatures SET full_name = $2 WHERE id = $1`, [signers.fr.id, 'Zoé <b>&</b> Co']);
    const secondFr = await aSignatureOn(t.db, letter.id, { language: 'fr' });

    const form = {
      subject_en: 'The letter is delivered',
      body_en: 'We handed it to the **ministry**.',
      subject_fr: 'La lettre est remise',
      body_fr: 'Nous l’avons remise au **ministère**.',
      subject_uk: '',
      body_uk: '',
    };
    const { preview, confirm } = await previewAndSend(letter.slug, form);
    // The preview: the count per language and what the Ukrainian signers get instead.
    expect(preview.text).toContain('Recipients: 5');
    expect(preview.text).toContain('Українська: no version; signers affected: 1 (they get the English version).');
    expect(preview.text).toContain('<strong>ministère</strong>');
    expect(confirm.status).toBe(303);

    const update = await sentUpdate('The letter is delivered');
    expect(update.recipients).toBe(5);
    const [en] = await t.smtp.waitFor(signers.en.email!);
    const [fr] = await t.smtp.waitFor(signers.fr.email!);
    const [fr2] = await t.smtp.waitFor(secondFr.email!);
    const [uk] = await t.smtp.waitFor(signers.uk.email!);
    const [ru] = await t.smtp.waitFor(signers.ru.email!);
    expect(en.subject).toBe('The letter is delivered');
    expect(en.html).toContain('<strong>ministry</strong>');
    expect(fr.subject).toBe('La lettre est remise');
    expect(fr.html).toContain('<strong>ministère</strong>');
    expect(fr.text).toContain('Se désinscrire');
    // Rendered once for both French signers, each with their own name and links.
    expect(fr.text).toContain('Zoé <b>&</b> Co');
    expect(fr.html).toContain('Zoé &lt;b&gt;&amp;&lt;/b&gt; Co');
    expect(fr2.text).toContain(secondFr.fullName);
    expect(fr2.text).not.toContain('Zoé');
    expect(unsubscribePath(fr)).not.toBe(unsubscribePath(fr2));
    expect(fr2.html).toContain(`href="http://undersigned.test${unsubscribePath(fr2)}"`);
    // Ukrainian left empty, Russian not a language of the letter: the default, framed in their language.
    expect(uk.subject).toBe('The letter is delivered');
    expect(uk.text).toContain('Відписатися');
    expect(ru.subject).toBe('The letter is delivered');
    for (const m of [en, fr, fr2, uk, ru]) expect(m.text).not.toContain('links.invalid');
  });

  test('a version with a subject but no text is refused, naming the field, and nothing is saved', async () => {
    const letter = await aTrilingualLetter('Half a version');
    await aSignatureOn(t.db, letter.id);
    const res = await postForm(ownerBrowser, page(letter.slug), page(letter.slug), {
      subject_en: 'Subject',
      body_en: 'Body',
      subject_fr: 'Objet seul',
      step: 'send',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="body_fr-error"');
    expect(await t.db.getRepository(LetterUpdate).countBy({ letterId: letter.id })).toBe(0);
  });
});

describe('segments through the pages', () => {
  test('the preview counts the chosen countries and channel, and its confirm button sends to exactly those signers', async () => {
    const letter = await aTrilingualLetter('Segmented letter');
    const fr = await aSignature(t.db, letter, { email: anEmail('seg'), wantsUpdates: true, country: 'FR' });
    const ua = await aSignature(t.db, letter, { email: anEmail('seg'), wantsUpdates: true, country: 'UA' });
    const kz = await aSignature(t.db, letter, { email: anEmail('seg'), wantsUpdates: true, country: 'KZ' });
    const paper = await aSignature(t.db, letter, {
      email: anEmail('seg'),
      wantsUpdates: true,
      country: 'UA',
      source: 'paper',
    });
    const unsubscribed = await aSignature(t.db, letter, { email: anEmail('seg'), wantsUpdates: false, country: 'FR' });
    const editor = await ownerBrowser.agent.get(page(letter.slug));
    expect(editor.text).toMatch(/value="UA"[^>]*> Ukraine \(2\)/);
    const preview = await postForm(ownerBrowser, page(letter.slug), page(letter.slug), {
      subject_en: 'Only some',
      body_en: 'For you.',
      countries: ['FR', 'UA'],
      source: 'online',
      step: 'preview',
    } as never);
    expect(preview.text).toContain('Recipients: 2');
    // The confirm button posts what the preview carries, as a browser would.
    const form = preview.text.slice(preview.text.lastIndexOf('<form method="post"'));
    const carried = Object.fromEntries(
      [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    );
    expect(carried.countries).toBe('FR,UA');
    // "Back to editing" keeps both countries ticked.
    const back = await ownerBrowser.agent
      .post(page(letter.slug))
      .type('form')
      .send({ ...carried, step: 'edit' });
    expect(back.text.match(/name="countries" value="[A-Z]{2}" checked/g)).toHaveLength(2);
    const sent = await ownerBrowser.agent
      .post(page(letter.slug))
      .type('form')
      .send({ ...carried, step: 'send' });
    expect(sent.status).toBe(303);
    const update = await sentUpdate('Only some');
    expect(update.segmentCountries).toEqual(['FR', 'UA']);
    expect(update.recipients).toBe(2);
    await t.smtp.waitFor(fr.email!);
    await t.smtp.waitFor(ua.email!);
    for (const s of [kz, paper, unsubscribed]) expect(t.smtp.to(s.email!)).toHaveLength(0);
    const listed = await ownerBrowser.agent.get(page(letter.slug));
    expect(listed.text).toContain('Countries: France, Ukraine · Signed online');
  });
});

describe('the weekly limit', () => {
  test('the editor shows what remains this week; the fourth update of a week is refused with 429 and a localized message', async () => {
    const letter = await aTrilingualLetter('Limited letter');
    await aSignatureOn(t.db, letter.id);
    for (let i = 1; i <= 3; i++) {
      const before = await ownerBrowser.agent.get(page(letter.slug));
      expect(before.text).toContain(`still send this week: ${4 - i} of 3`);
      const { confirm } = await previewAndSend(letter.slug, { subject_en: `Limited ${i}`, body_en: `News ${i}.` });
      expect(confirm.status).toBe(303);
    }
    const after = await ownerBrowser.agent.get(page(letter.slug));
    expect(after.text).toContain('still send this week: 0 of 3');
    const refused = await postForm(ownerBrowser, page(letter.slug), `${page(letter.slug)}?lang=fr`, {
      subject_en: 'Limited 4',
      body_en: 'One too many.',
      step: 'send',
    });
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Cette lettre a atteint sa limite de 3 nouvelles pour cette semaine');
    expect(await t.db.getRepository(LetterUpdate).countBy({ letterId: letter.id })).toBe(3);
    await ownerBrowser.agent.get(`${page(letter.slug)}?lang=en`); // back to English for the next tests

    // The week after is another week: scheduling there is allowed.
    const nextWeek = new Date(Date.now() + 8 * 86_400_000).toISOString().slice(0, 16);
    const later = await postForm(ownerBrowser, page(letter.slug), page(letter.slug), {
      subject_en: 'Next week',
      body_en: 'Later.',
      when: 'later',
      sendAt: nextWeek,
      step: 'send',
    });
    expect(later.status).toBe(303);
  });
});

describe('scheduling', () => {
  test('a scheduled update waits for its time, then goes once only, however often its jobs run', async () => {
    const letter = await aTrilingualLetter('Scheduled letter');
    const signer = await aSignatureOn(t.db, letter.id, { language: 'fr' });
    const at = new Date(Date.now() + 3 * 3_600_000);
    const { preview, confirm } = await previewAndSend(letter.slug, {
      subject_en: 'Scheduled news',
      body_en: 'Later.',
      subject_fr: 'Nouvelle programmée',
      body_fr: 'Plus tard.',
      when: 'later',
      sendAt: at.toISOString().slice(0, 16),
    });
    expect(preview.text).toContain('It goes out on');
    expect(confirm.status).toBe(303);
    expect(confirm.headers.location).toContain('done=scheduled');
    const update = await t.db.getRepository(LetterUpdate).findOneByOrFail({ subject: 'Scheduled news' });
    const listed = await ownerBrowser.agent.get(page(letter.slug));
    expect(listed.text).toContain('Scheduled');

    // Not before its time.
    await new Promise((r) => setTimeout(r, 700));
    expect(t.smtp.to(signer.email!)).toHaveLength(0);
    expect((await t.db.getRepository(LetterUpdate).findOneByOrFail({ id: update.id })).sentAt).toBeNull();

    // Its time comes (the job's run_at reaches now).
    await t.db.query(`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE key = $1`, [
      `letter-update-fanout:${update.id}`,
    ]);
    const sent = await sentUpdate('Scheduled news');
    expect(sent.sentAt).not.toBeNull();
    const [mail] = await t.smtp.waitFor(signer.email!);
    expect(mail.subject).toBe('Nouvelle programmée');

    // A fan-out and an email job run again (a retry, a duplicate): nobody gets it twice.
    expect(await fanOut(t.ctx, { kind: 'update', id: update.id })).toBe(0);
    const transport = smtpTransport(t.smtp.url, t.config.MAIL_FROM);
    try {
      await sendUpdateEmail(t.ctx, new Mailer(transport), { kind: 'update', id: update.id, signatureId: signer.id });
    } finally {
      transport.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.to(signer.email!)).toHaveLength(1);
  });

  test('a scheduled update can be cancelled before it goes: nothing is sent, and it frees its place in the week', async () => {
    const letter = await aTrilingualLetter('Cancelled letter');
    const signer = await aSignatureOn(t.db, letter.id);
    const at = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    await previewAndSend(letter.slug, { subject_en: 'To cancel', body_en: 'No.', when: 'later', sendAt: at });
    const update = await t.db.getRepository(LetterUpdate).findOneByOrFail({ subject: 'To cancel' });
    const cancel = await postForm(ownerBrowser, page(letter.slug), `${page(letter.slug)}/${update.id}/cancel`);
    expect(cancel.status).toBe(303);
    const [job] = await t.db.query<unknown[]>(`SELECT 1 FROM graphile_worker._private_jobs WHERE key = $1`, [
      `letter-update-fanout:${update.id}`,
    ]);
    expect(job).toBeUndefined();
    // Even if a fan-out ran now, it would send nothing.
    expect(await fanOut(t.ctx, { kind: 'update', id: update.id })).toBe(0);
    expect(t.smtp.to(signer.email!)).toHaveLength(0);
    const listed = await ownerBrowser.agent.get(page(letter.slug));
    expect(listed.text).toContain('Cancelled');
    expect(listed.text).toContain('still send this week: 3 of 3');
    // A sent one cannot be cancelled (409), and another letter's update is not found (404).
    await previewAndSend(letter.slug, { subject_en: 'Gone already', body_en: 'Yes.' });
    const gone = await sentUpdate('Gone already');
    const late = await postForm(ownerBrowser, page(letter.slug), `${page(letter.slug)}/${gone.id}/cancel`);
    expect(late.status).toBe(409);
    const other = await aTrilingualLetter('Other letter');
    const foreign = await postForm(ownerBrowser, page(letter.slug), `${page(other.slug)}/${gone.id}/cancel`);
    expect(foreign.status).toBe(404);
  });

  test('a time in the past is refused with a message beside the field', async () => {
    const letter = await aTrilingualLetter('Past letter');
    await aSignatureOn(t.db, letter.id);
    const res = await postForm(ownerBrowser, page(letter.slug), page(letter.slug), {
      subject_en: 'Too late',
      body_en: 'x',
      when: 'later',
      sendAt: '2020-01-01T10:00',
      step: 'send',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('This time has passed');
    expect(await t.db.getRepository(LetterUpdate).countBy({ letterId: letter.id })).toBe(0);
  });
});

describe('figures per update', () => {
  test('sent, bounced, and unsubscribed after it, on the updates page', async () => {
    const letter = await aTrilingualLetter('Counted letter');
    const staying = await aSignatureOn(t.db, letter.id);
    const leaving = await aSignatureOn(t.db, letter.id);
    const dead = await aSignatureOn(t.db, letter.id);
    t.smtp.refuseRecipient((a) => a === dead.email!.toLowerCase());
    try {
      await previewAndSend(letter.slug, { subject_en: 'Counted one', body_en: 'One.' });
      const first = await sentUpdate('Counted one');
      await previewAndSend(letter.slug, { subject_en: 'Counted two', body_en: 'Two.' });
      const second = await sentUpdate('Counted two');
      const mails = await t.smtp.waitFor(leaving.email!, 2);
      await t.smtp.waitFor(staying.email!, 2);
      // Unsubscribing from the first email's link is put down to the latest update received: the second.
      const res = await request(t.app).post(unsubscribePath(mails[0])).type('form').send('List-Unsubscribe=One-Click');
      expect(res.status).toBe(200);
      // A second click changes nothing.
      await request(t.app).post(unsubscribePath(mails[1])).type('form').send('List-Unsubscribe=One-Click');

      const rows = await t.db.query<Array<{ update_id: string; outcome: string; unsubscribed: boolean }>>(
        `SELECT update_id, outcome, unsubscribed_at IS NOT NULL AS unsubscribed FROM letter_update_deliveries
          WHERE update_id = ANY($1)`,
        [[first.id, second.id]],
      );
      const count = (id: string, f: (r: (typeof rows)[number]) => boolean) =>
        rows.filter((r) => r.update_id === id && f(r)).length;
      expect([first.id, second.id].map((id) => count(id, (r) => r.outcome === 'sent'))).toEqual([2, 2]);
      expect([first.id, second.id].map((id) => count(id, (r) => r.outcome === 'bounced'))).toEqual([1, 1]);
      expect([first.id, second.id].map((id) => count(id, (r) => r.unsubscribed))).toEqual([0, 1]);

      const listed = await ownerBrowser.agent.get(page(letter.slug));
      const row = (subject: string) => {
        const at = listed.text.indexOf(subject);
        return listed.text.slice(at, listed.text.indexOf('</tr>', at)).match(/<td class="num">(\d+)<\/td>/g);
      };
      expect(row('Counted one')).toEqual([
        '<td class="num">2</td>',
        '<td class="num">1</td>',
        '<td class="num">0</td>',
      ]);
      expect(row('Counted two')).toEqual([
        '<td class="num">2</td>',
        '<td class="num">1</td>',
        '<td class="num">1</td>',
      ]);
      // The letter's dashboard shows its owners the latest update's figures and what is left this week.
      const dashboard = await ownerBrowser.agent.get(`/organise/letters/${letter.slug}`);
      expect(dashboard.text).toContain('Latest: “Counted two”');
      for (const figure of ['Sent: 2', 'Bounced: 1', 'Unsubscribed after: 1', 'still send this week: 1 of 3'])
        expect(dashboard.text).toContain(figure);
    } finally {
      t.smtp.refuseRecipient(null);
    }
  });
});
