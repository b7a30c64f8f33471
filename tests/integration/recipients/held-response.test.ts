import crypto from 'node:crypto';
import request from 'supertest';
import { AuditEvent } from '../../../src/core/audit';
import { Letter } from '../../../src/core/letters/letter.entity';
import { grantRole } from '../../../src/core/access';
import { RecipientLink, RecipientLinkEvent } from '../../../src/features/recipients';
import { RESPONSE_POSTS_PER_LINK_PER_HOUR } from '../../../src/features/recipients/recipient-response.service';
import { LetterResponse } from '../../../src/features/updates';
import { TASK_UPDATE_EMAIL, TASK_UPDATE_FANOUT } from '../../../src/features/updates/updates.queue';
import { hashToken } from '../../../src/core/tokens';
import { aSignature } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import { aPdf } from '../../support/pdf';
import { drained } from '../../support/jobs';

let owner: Awaited<ReturnType<typeof anOrganiser>>;
let ownerBrowser: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  ownerBrowser = await signInAs(t.app, t.smtp, owner.email);
});

const BASE = 'http://undersigned.test';
const PDF = aPdf(1024);
/** What the report of the issue posted: a tracking image and a phishing link, and raw HTML. */
const TRACKING = '![i](https://evil.example/t.png) https://evil.example/phish <img src="https://evil.example/raw.png">';

async function aDeliveredLetter(title = `Held ${crypto.randomBytes(3).toString('hex')}`) {
  const letter = await aLetterOf(t.db, owner, 'owner', { title });
  await t.db.query(
    `UPDATE letters SET created_at = '2025-12-01', delivered_at = '2026-01-10T12:00:00Z', delivered_to = 'The Ministry', delivery_recorded_at = now() WHERE id = $1`,
    [letter.id],
  );
  return t.db.getRepository(Letter).findOneOrFail({ where: { id: letter.id }, relations: { translations: true } });
}

async function createLink(slug: string, name = 'Jean Ministre'): Promise<{ path: string; link: RecipientLink }> {
  const page = `/organise/letters/${slug}/recipients`;
  const res = await postForm(ownerBrowser, page, page, { name, role: 'Minister of Justice', email: '', expiresOn: '' });
  expect(res.status).toBe(201);
  const token = /value="http:\/\/undersigned\.test\/r\/([A-Za-z0-9_-]+)"/.exec(res.text)![1];
  return {
    path: `/r/${token}`,
    link: await t.db.getRepository(RecipientLink).findOneByOrFail({ tokenHash: hashToken(token) }),
  };
}

/** The response form of the recipient's page, as the addressee's browser holds it (its action carries the CSRF token). */
async function responseForm(path: string, lang = 'en') {
  const b = browser(t.app);
  const page = await b.agent.get(`${path}?lang=${lang}`).expect(200);
  const m = page.text.match(/<form method="post" action="([^"]+)" enctype="multipart\/form-data"/);
  if (!m) throw new Error('no response form');
  return { b, action: m[1].replace(/&amp;/g, '&') };
}

/** Posts the response form (one opened earlier, or the page's form now). */
async function postResponse(
  path: string,
  fields: { body: string; title?: string },
  opts: { lang?: string; pdf?: Buffer; form?: Awaited<ReturnType<typeof responseForm>> } = {},
) {
  const { b, action } = opts.form ?? (await responseForm(path, opts.lang));
  let req = b.agent.post(action).field('body', fields.body);
  if (fields.title !== undefined) req = req.field('title', fields.title);
  if (opts.pdf) req = req.attach('attachment', opts.pdf, { filename: 'answer.pdf', contentType: 'application/pdf' });
  return req;
}

/** The owner's decision on a held response, from the letter's dashboard. */
function decide(slug: string, responseId: string, decision: 'publish' | 'reject' | 'title', title = '') {
  return postForm(
    ownerBrowser,
    `/organise/letters/${slug}`,
    `/organise/letters/${slug}/recipients/responses/${responseId}`,
    { decision, title, back: 'dashboard' },
  );
}

/**
 * The letter's public page and JSON, and the site-wide updates feed's entries about the letter:
 * the feed also lists the responses other test files published on their letters, in the same
 * database (one per jest worker), whatever text those responses carry.
 */
async function publicSurfaces(slug: string): Promise<string> {
  const [page, json, feed] = await Promise.all([
    request(t.app).get(`/letters/${slug}?lang=en`).expect(200),
    request(t.app).get(`/letters/${slug}.json`).expect(200),
    request(t.app).get('/feeds/updates.atom?lang=en').expect(200),
  ]);
  const [head, ...entries] = feed.text.split('<entry>');
  const ours = entries.filter((e) => e.includes(`/letters/${slug}#`) || e.includes(`/letters/${slug}?`));
  return [page.text, JSON.stringify(json.body), head, ...ours].join('\n');
}

async function auditKinds(letterId: string): Promise<string[]> {
  return (await t.db.getRepository(AuditEvent).find({ where: { letterId }, order: { createdAt: 'ASC' } })).map(
    (e) => e.kind,
  );
}

async function aWebhookFor(letterId: string): Promise<string> {
  const [row] = await t.db.query<Array<{ id: string }>>(
    `INSERT INTO webhook_endpoints (letter_id, url, events, secret) VALUES ($1, 'http://127.0.0.1:9/hook', '{response.received}', 'whsec_test') RETURNING id`,
    [letterId],
  );
  return row.id;
}

async function deliveriesTo(endpointId: string): Promise<number> {
  const [row] = await t.db.query<Array<{ n: string }>>(
    `SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND event = 'response.received'`,
    [endpointId],
  );
  return Number(row.n);
}

async function outboxRelayed(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const [row] = await t.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM job_outbox`);
    if (Number(row.n) === 0) return drained(t.db, 'webhook-event');
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the outbox was not relayed');
}

describe('a response posted through a recipient link is held for the owners', () => {
  test('posting mails nobody and shows nothing publicly; the owner retitles and publishes it once; the opted-in signers are mailed once', async () => {
    const letter = await aDeliveredLetter();
    const signers = await Promise.all(
      [0, 1, 2].map(() => aSignature(t.db, letter.id, { wantsUpdates: true, visibility: 'private' })),
    );
    const optedOut = await aSignature(t.db, letter.id, { wantsUpdates: false });
    const hook = await aWebhookFor(letter.id);
    const { path, link } = await createLink(letter.slug);

    const posted = await postResponse(
      path,
      { title: 'Official answer', body: `The ministry will **review** each case.\n\n${TRACKING}` },
      { pdf: PDF },
    );
    expect(posted.status).toBe(303);
    const response = await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: letter.id });
    expect([response.status, response.recipientLinkId, response.title]).toEqual([
      'pending',
      link.id,
      'Official answer',
    ]);

    // The addressee is told it is received and that the organisers will publish it.
    const back = await request(t.app).get(`${path}?lang=en&posted=1`).expect(200);
    expect(back.text).toContain('the organisers will publish it');
    expect(back.text).not.toContain('your response is published');

    // Nothing public: the page, the JSON, the feed, the PDF, the webhooks.
    const surfaces = await publicSurfaces(letter.slug);
    expect(surfaces).not.toContain('The ministry will');
    expect(surfaces).not.toContain('evil.example');
    await request(t.app).get(`/letters/${letter.slug}/responses/${response.id}/attachment.pdf`).expect(404);
    await outboxRelayed();
    expect(await deliveriesTo(hook)).toBe(0);
    // Nobody is mailed.
    await drained(t.db, TASK_UPDATE_FANOUT);
    for (const s of signers) expect(t.smtp.to(s.email!)).toHaveLength(0);
    expect(await auditKinds(letter.id)).not.toContain('updates.response-recorded');

    // The owner sees it on the dashboard, as plain text, with how many people publishing would reach.
    const dashboard = await ownerBrowser.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(dashboard.text).toContain(`id="held-response-${response.id}"`);
    expect(dashboard.text).toContain('The ministry will **review** each case.');
    expect(dashboard.text).not.toMatch(/<img[^>]+evil\.example/);
    expect(dashboard.text).toMatch(new RegExp(`Publish and email ${signers.length} signers`));
    const ownerPdf = await ownerBrowser.agent
      .get(`/organise/letters/${letter.slug}/recipients/responses/${response.id}/attachment.pdf`)
      .expect(200);
    expect(ownerPdf.headers['content-disposition']).toMatch(/^attachment;/);
    // Not for anyone else.
    await request(t.app)
      .get(`/organise/letters/${letter.slug}/recipients/responses/${response.id}/attachment.pdf`)
      .expect(303);

    // A form the addressee still has open in another tab.
    const openForm = await responseForm(path);
    const retitled = await decide(letter.slug, response.id, 'title', 'Answer of the Ministry');
    expect(retitled.status).toBe(303);
    expect(retitled.headers.location).toBe(`/organise/letters/${letter.slug}#recipient-links`);
    expect((await t.db.getRepository(LetterResponse).findOneByOrFail({ id: response.id })).title).toBe(
      'Answer of the Ministry',
    );
    expect(await publicSurfaces(letter.slug)).not.toContain('The ministry will');

    const published = await decide(letter.slug, response.id, 'publish', 'Answer of the Ministry of Justice');
    expect(published.status).toBe(303);
    const again = await decide(letter.slug, response.id, 'publish', 'Twice');
    expect(again.status).toBe(409);

    const row = await t.db.getRepository(LetterResponse).findOneByOrFail({ id: response.id });
    expect([row.status, row.title]).toEqual(['published', 'Answer of the Ministry of Justice']);
    const page = await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(page.text).toContain('Answer of the Ministry of Justice');
    // Plain paragraphs and bare links: no Markdown, no HTML, no image.
    expect(page.text).toContain('The ministry will **review** each case.');
    expect(page.text).toContain(
      '<a href="https://evil.example/phish" rel="nofollow noopener">https://evil.example/phish</a>',
    );
    expect(page.text).not.toMatch(/<img[^>]+evil\.example/);
    await request(t.app).get(`/letters/${letter.slug}/responses/${response.id}/attachment.pdf`).expect(200);

    await drained(t.db, TASK_UPDATE_FANOUT, response.id);
    await drained(t.db, TASK_UPDATE_EMAIL, response.id);
    for (const s of signers) {
      const mails = await t.smtp.waitFor(s.email!);
      expect(mails).toHaveLength(1);
      expect(mails[0].text).toContain('The ministry will **review** each case.');
      expect(mails[0].html).not.toMatch(/<img\b/i);
      expect(mails[0].html).toContain(
        '<a href="https://evil.example/phish" rel="nofollow noopener">https://evil.example/phish</a>',
      );
    }
    expect(t.smtp.to(optedOut.email!)).toHaveLength(0);
    for (let i = 0; i < 100 && (await deliveriesTo(hook)) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await deliveriesTo(hook)).toBe(1);

    const trail = await t.db
      .getRepository(AuditEvent)
      .find({ where: { letterId: letter.id }, order: { createdAt: 'ASC' } });
    const decisions = trail.filter((e) => e.kind.startsWith('updates.response-'));
    expect(decisions.map((e) => [e.kind, e.actorId])).toEqual([
      ['updates.response-retitled', owner.id],
      ['updates.response-published', owner.id],
    ]);
    expect(trail.filter((e) => e.kind === 'recipients.response-posted')).toHaveLength(1);

    // Published: the link holder can no longer change it.
    expect((await request(t.app).get(`${path}?lang=en`).expect(200)).text).toContain('Your response is published');
    const late = await postResponse(path, { body: 'Changed after publication' }, { form: openForm });
    expect(late.status).toBe(409);
    expect(late.text).toContain('already published');
    expect((await t.db.getRepository(LetterResponse).findOneByOrFail({ id: response.id })).body).not.toContain(
      'Changed after',
    );
  });

  test('a second post edits the same response; a rejection leaves nothing public and mails nobody', async () => {
    const letter = await aDeliveredLetter();
    const signer = await aSignature(t.db, letter.id, { wantsUpdates: true });
    const { path, link } = await createLink(letter.slug);

    expect((await postResponse(path, { body: 'First words.' }, { pdf: PDF })).status).toBe(303);
    expect((await postResponse(path, { body: 'Second, better words.', title: 'Reply' })).status).toBe(303);
    const rows = await t.db.getRepository(LetterResponse).findBy({ letterId: letter.id });
    expect(rows).toHaveLength(1);
    expect([rows[0].body, rows[0].title, rows[0].status]).toEqual(['Second, better words.', 'Reply', 'pending']);
    // The PDF of the first post stays unless another is chosen.
    expect(rows[0].attachmentBytes).toBe(PDF.length);
    // The addressee sees their held text in the form, to edit.
    const page = await request(t.app).get(`${path}?lang=en`).expect(200);
    expect(page.text).toContain('Second, better words.</textarea>');
    const events = await t.db
      .getRepository(RecipientLinkEvent)
      .find({ where: { linkId: link.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    expect(events.map((e) => e.kind).filter((k) => k !== 'view')).toEqual(['response', 'response-edited']);

    const openForm = await responseForm(path, 'fr');
    const rejected = await decide(letter.slug, rows[0].id, 'reject');
    expect(rejected.status).toBe(303);
    expect((await t.db.getRepository(LetterResponse).findOneByOrFail({ id: rows[0].id })).status).toBe('rejected');
    expect(await publicSurfaces(letter.slug)).not.toContain('better words');
    await request(t.app).get(`/letters/${letter.slug}/responses/${rows[0].id}/attachment.pdf`).expect(404);
    await drained(t.db, TASK_UPDATE_FANOUT);
    expect(t.smtp.to(signer.email!)).toHaveLength(0);
    expect(await auditKinds(letter.id)).toContain('updates.response-rejected');
    // Publishing after a rejection is refused.
    expect((await decide(letter.slug, rows[0].id, 'publish')).status).toBe(409);

    const after = await request(t.app).get(`${path}?lang=en`).expect(200);
    expect(after.text).toContain('The organisers did not publish your response.');
    expect(after.text).not.toContain('<form method="post" action="/r/');
    const refused = await postResponse(path, { body: 'Once more' }, { form: openForm });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Les organisateurs n’ont pas publié cette réponse');
  });

  test('an editor cannot decide, and a response of another letter is not found', async () => {
    const letter = await aDeliveredLetter();
    const other = await aDeliveredLetter();
    const { path } = await createLink(letter.slug);
    expect((await postResponse(path, { body: 'Held words.' })).status).toBe(303);
    const response = await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: letter.id });
    expect((await decide(other.slug, response.id, 'publish')).status).toBe(404);
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const eb = await signInAs(t.app, t.smtp, editor.email);
    const csrf = await eb.csrfFrom(`/organise/letters/${letter.slug}`);
    await eb.agent
      .post(`/organise/letters/${letter.slug}/recipients/responses/${response.id}`)
      .type('form')
      .send({ _csrf: csrf, decision: 'publish' })
      .expect(403);
    expect((await t.db.getRepository(LetterResponse).findOneByOrFail({ id: response.id })).status).toBe('pending');
  });

  test('a link may post only a handful of times an hour: then a localized 429', async () => {
    const letter = await aDeliveredLetter();
    const { path } = await createLink(letter.slug);
    for (let i = 0; i < RESPONSE_POSTS_PER_LINK_PER_HOUR; i++)
      expect((await postResponse(path, { body: `Attempt ${i}` })).status).toBe(303);
    const refused = await postResponse(path, { body: 'One too many' }, { lang: 'fr' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.text).toContain('Trop de tentatives');
    expect(refused.text).not.toMatch(/at .*\.ts:\d+/);
    expect((await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: letter.id })).body).toBe(
      `Attempt ${RESPONSE_POSTS_PER_LINK_PER_HOUR - 1}`,
    );
    // Another link of the letter has its own allowance.
    const second = await createLink(letter.slug, 'Marie Procureure');
    expect((await postResponse(second.path, { body: 'Mine' })).status).toBe(303);
  });

  test('the allowance holds for a form sent without a file part too (urlencoded)', async () => {
    const letter = await aDeliveredLetter();
    const { path } = await createLink(letter.slug);
    const { b, action } = await responseForm(path);
    const statuses: number[] = [];
    // The CSRF token as a field of the form, where a urlencoded form carries it.
    const csrf = new URL(action, 'http://x').searchParams.get('_csrf') ?? '';
    for (let i = 0; i <= RESPONSE_POSTS_PER_LINK_PER_HOUR; i++)
      statuses.push(
        (
          await b.agent
            .post(path + '/response')
            .type('form')
            .send({ body: `Plain ${i}`, _csrf: csrf })
        ).status,
      );
    expect(statuses.slice(0, RESPONSE_POSTS_PER_LINK_PER_HOUR)).toEqual(
      Array(RESPONSE_POSTS_PER_LINK_PER_HOUR).fill(303),
    );
    expect(statuses[RESPONSE_POSTS_PER_LINK_PER_HOUR]).toBe(429);
  });
});

describe('views of a recipient link', () => {
  test('are counted on the link; only the first of the day is recorded in the audit trail', async () => {
    const letter = await aDeliveredLetter();
    const { path, link } = await createLink(letter.slug, 'Paul Garde');
    const VIEWS = 50;
    for (let i = 0; i < VIEWS; i++) await request(t.app).get(path).expect(200);
    expect((await t.db.getRepository(RecipientLink).findOneByOrFail({ id: link.id })).views).toBe(VIEWS);
    expect((await auditKinds(letter.id)).filter((k) => k === 'recipients.link-viewed')).toHaveLength(1);
    expect(await t.db.getRepository(RecipientLinkEvent).countBy({ linkId: link.id, kind: 'view' })).toBe(1);

    // A view on another day is recorded again.
    await t.db.query(`UPDATE recipient_links SET last_viewed_at = now() - interval '1 day' WHERE id = $1`, [link.id]);
    await request(t.app).get(path).expect(200);
    expect((await auditKinds(letter.id)).filter((k) => k === 'recipients.link-viewed')).toHaveLength(2);

    const owners = await ownerBrowser.agent.get(`/organise/letters/${letter.slug}/recipients`).expect(200);
    expect(owners.text).toMatch(new RegExp(`<td>${VIEWS + 1} <span`));
    expect(owners.text).toContain('Paul Garde opened the page');
  });
});

describe('emails load nothing from another host', () => {
  test('an update and an official response with a Markdown image and raw HTML carry no image, the image becomes a link with its text', async () => {
    const letter = await aDeliveredLetter();
    const signer = await aSignature(t.db, letter.id, { wantsUpdates: true });
    const dash = `/organise/letters/${letter.slug}`;
    const update = await postForm(ownerBrowser, `${dash}/updates`, `${dash}/updates`, {
      subject_en: 'News',
      body_en: `Look: ${TRACKING}`,
      step: 'send',
    });
    expect(update.status).toBe(303);
    const response = await postForm(ownerBrowser, `${dash}/response`, `${dash}/response`, {
      respondedOn: new Date().toISOString().slice(0, 10),
      body: `Answer ${TRACKING}`,
      link: '',
    });
    expect(response.status).toBe(303);
    const mails = await t.smtp.waitFor(signer.email!, 2);
    for (const mail of mails) {
      const images = [...mail.html.matchAll(/<img\b[^>]*>/gi)].map((m) => m[0]);
      expect(images.filter((tag) => !new RegExp(`src="${BASE}/`).test(tag))).toEqual([]);
      expect(mail.html).toContain('<a href="https://evil.example/t.png">i</a>');
      // Raw HTML stays text.
      expect(mail.html).toContain('&lt;img src=');
    }
  });
});
