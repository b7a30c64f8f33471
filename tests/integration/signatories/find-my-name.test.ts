import crypto from 'node:crypto';
import request from 'supertest';
import { aLetter, anEmail, aSignature, signForm } from '../../support/factories';
import { confirmByLink } from '../../support/journey';
import { linkFrom } from '../../support/smtp-sink';
import { browser, startTestApp, type TestApp } from '../../support/test-app';
import { encodeCursor, ownRowLinkOf, ownRowLinks } from '../../../src/features/signatories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const aNetwork = () => `10.${crypto.randomInt(0, 255)}.${crypto.randomInt(0, 255)}.${crypto.randomInt(1, 255)}`;

/** The signer asks for their link, opens it in a browser and presses its button: their list page. */
async function mySignaturesPage(email: string) {
  const b = browser(t.app);
  const csrf = await b.csrfFrom('/my-signatures?lang=en');
  await b.agent
    .post('/my-signatures?lang=en')
    .set('X-Forwarded-For', aNetwork())
    .type('form')
    .send({ email, _csrf: csrf })
    .expect(200);
  const deadline = Date.now() + 15000;
  let link: string | null = null;
  while (!link && Date.now() < deadline) {
    const mail = t.smtp.to(email).find((m) => m.text.includes('/my-signatures/'));
    if (mail) link = new URL(linkFrom(mail, '/my-signatures/')).pathname;
    else await new Promise((r) => setTimeout(r, 50));
  }
  if (!link) throw new Error('no link');
  const page = await b.agent.get(link).expect(200);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  const pressed = await b.agent.post(`${link}?lang=en`).type('form').send({ _csrf: token }).expect(303);
  return (await b.agent.get(pressed.headers.location).expect(200)).text;
}

const rowsOf = (html: string) => /<ol class="names signatories-list">[\s\S]*?<\/ol>/.exec(html)?.[0] ?? '';

test('from the my-signatures page, a signer reaches the list page that holds their row, marked', async () => {
  const letter = await aLetter(t.db);
  const base = Date.UTC(2026, 2, 1);
  // 120 people signed after our signer: their row is on the third page of the newest-first list.
  const email = anEmail('findme');
  const mine = await aSignature(t.db, letter, { fullName: 'Гүлнар Мұхтарқызы', email, createdAt: new Date(base) });
  for (let i = 1; i <= 120; i++)
    await aSignature(t.db, letter, { fullName: `Later Signer ${i}`, createdAt: new Date(base + i * 1000) });
  const page = await mySignaturesPage(email);
  const href = /<a href="([^"]+)">Find my name on the list<\/a>/.exec(page)?.[1]?.replace(/&amp;/g, '&');
  expect(href).toBeDefined();
  expect(href).toContain(`/letters/${letter.slug}/signatories?page=`);
  const list = await request(t.app).get(href!).expect(200);
  expect(rowsOf(list.text)).toMatch(/<li class="mine" id="mine" aria-current="true">Гүлнар Мұхтарқызы/);
  expect(list.text).toContain('(your signature)');
  // It is a page of the list like any other: it links back to the first page and onwards.
  expect(list.text).toMatch(/rel="prev"/);
  expect(mine.id).toBeTruthy();
});

test('a private or held signature gets no link, and the page shows nothing of it', async () => {
  const letter = await aLetter(t.db);
  const email = anEmail('private');
  await aSignature(t.db, letter, { fullName: 'Тайная Подписантка', email, visibility: 'private' });
  const other = await aLetter(t.db);
  await aSignature(t.db, other, { fullName: 'Тайная Подписантка', email, heldReason: 'burst-ip' });
  const page = await mySignaturesPage(email);
  expect(page).not.toContain('Find my name on the list');
});

test('a stranger who makes up a cursor at a private signature learns nothing: the same page as for any other id there', async () => {
  const letter = await aLetter(t.db);
  const at = new Date(Date.UTC(2026, 3, 1, 10));
  await aSignature(t.db, letter, { fullName: 'Public Before', createdAt: new Date(at.getTime() - 1000) });
  const hidden = await aSignature(t.db, letter, { fullName: 'Private Person', visibility: 'private', createdAt: at });
  await aSignature(t.db, letter, { fullName: 'Public After', createdAt: new Date(at.getTime() + 1000) });
  const key = '2026-04-01T10:00:00.000000';
  const pageAt = async (id: string) =>
    (
      await request(t.app)
        .get(`/letters/${letter.slug}/signatories`)
        .query({ page: encodeCursor({ key, id, side: 'at' }) })
    ).text;
  const aimed = await pageAt(hidden.id);
  const random = await pageAt('ffffffff-ffff-4fff-bfff-ffffffffffff');
  expect(rowsOf(aimed)).toBe(rowsOf(random));
  expect(aimed).not.toContain('Private Person');
  expect(aimed).not.toContain('your signature');
});

test('the confirmed page links a public signer to their row, and a private signer to nothing', async () => {
  const letter = await aLetter(t.db);
  for (const [visibility, expected] of [
    ['public', true],
    ['private', false],
  ] as const) {
    const form = signForm({ fullName: `Сәуле Ермекқызы ${visibility}`, visibility });
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}`);
    await b.agent
      .post(`/letters/${letter.slug}/sign`)
      .type('form')
      .send({ ...form, _csrf: csrf });
    const [mail] = await t.smtp.waitFor(form.email);
    const done = await confirmByLink(t.app, new URL(linkFrom(mail, '/s/confirm/')).pathname);
    const href = /<a href="([^"]+)">Find my name on the list<\/a>/.exec(done.text)?.[1]?.replace(/&amp;/g, '&');
    if (!expected) {
      expect(href).toBeUndefined();
      continue;
    }
    const list = await request(t.app).get(href!).expect(200);
    expect(rowsOf(list.text)).toContain(`<li class="mine" id="mine" aria-current="true">Сәуле Ермекқызы public`);
  }
});

test('the confirmed page’s link, made from what the confirming statement returns, follows the list’s own rule', async () => {
  // Every combination the rule looks at: the link is given exactly when the list's query finds the row.
  const cases: Array<{ visibility: string; hidden: boolean; held: boolean; letterStatus: string; review: string }> = [];
  for (const visibility of ['public', 'initials', 'private'])
    for (const hidden of [false, true])
      for (const held of [false, true])
        for (const [letterStatus, review] of [
          ['open', 'none'],
          ['closed', 'approved'],
          ['draft', 'none'],
          ['open', 'submitted'],
        ])
          cases.push({ visibility, hidden, held, letterStatus, review });
  for (const c of cases) {
    const letter = await aLetter(t.db);
    await t.db.query(`UPDATE letters SET status = $2, review_state = $3 WHERE id = $1`, [
      letter.id,
      c.letterStatus,
      c.review,
    ]);
    const sig = await aSignature(t.db, letter, { status: 'confirmed', visibility: c.visibility as 'public' });
    await t.db.query(`UPDATE signatures SET hidden = $2, held_reason = $3 WHERE id = $1`, [
      sig.id,
      c.hidden,
      c.held ? 'burst-ip' : null,
    ]);
    const [facts] = await t.db.query(
      `SELECT s.status, s.held_reason AS "heldReason", s.hidden, s.visibility,
              to_char(s.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS key,
              l.slug, l.status AS "letterStatus", l.review_state AS "letterReviewState"
         FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE s.id = $1`,
      [sig.id],
    );
    const fromQuery = (await ownRowLinks(t.db, [sig.id])).get(sig.id) ?? null;
    expect({ c, link: ownRowLinkOf(sig.id, facts) }).toEqual({ c, link: fromQuery });
  }
});
