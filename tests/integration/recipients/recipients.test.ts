import crypto from 'node:crypto';
import request from 'supertest';
import { AuditEvent } from '../../../src/core/audit';
import { ExportAudit } from '../../../src/features/exports';
import { Letter } from '../../../src/core/letters/letter.entity';
import { grantRole } from '../../../src/core/access';
import { RecipientLink, RecipientLinkEvent } from '../../../src/features/recipients';
import { TASK_RECIPIENT_LINK_EMAIL } from '../../../src/features/recipients/recipients.queue';
import { TASK_UPDATE_EMAIL, TASK_UPDATE_FANOUT } from '../../../src/features/updates/updates.queue';
import { LetterResponse } from '../../../src/features/updates';
import { hashToken } from '../../../src/core/tokens';
import { aSignature, anEmail } from '../../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { aPdf } from '../../support/pdf';
import { linkFrom } from '../../support/smtp-sink';
import { browser, useTestApp } from '../../support/test-app';
import { drained } from '../../support/jobs';

let owner: Awaited<ReturnType<typeof anOrganiser>>;
let ownerBrowser: Browser;
const t = useTestApp();
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  ownerBrowser = await signInAs(t.app, t.smtp, owner.email);
});

const DELIVERED = new Date('2026-01-10T12:00:00Z');
const PDF = aPdf();

/** A letter of `owner`, delivered on DELIVERED, made before it. */
async function aDeliveredLetter(title = `Delivered ${crypto.randomBytes(3).toString('hex')}`) {
  const letter = await aLetterOf(t.db, owner, 'owner', { title });
  await t.db.query(
    `UPDATE letters SET created_at = '2025-12-01', delivered_at = $2, delivered_to = 'The Ministry', delivery_recorded_at = now() WHERE id = $1`,
    [letter.id, DELIVERED],
  );
  return t.db.getRepository(Letter).findOneOrFail({ where: { id: letter.id }, relations: { translations: true } });
}

/** Creates a link through the owners' page and reads it from the page that shows it once. */
async function createLink(
  slug: string,
  form: Record<string, string> = {},
): Promise<{ url: string; path: string; token: string; status: number; text: string }> {
  const page = `/organise/letters/${slug}/recipients`;
  const res = await postForm(ownerBrowser, page, page, {
    name: 'Jean Ministre',
    role: 'Minister of Justice',
    email: '',
    expiresOn: '',
    ...form,
  });
  const m = res.text.match(/value="(http:\/\/undersigned\.test\/r\/([A-Za-z0-9_-]+))"/);
  return { status: res.status, text: res.text, url: m?.[1] ?? '', path: m ? `/r/${m[2]}` : '', token: m?.[2] ?? '' };
}

describe('recipient links, for the owners', () => {
  test('a link is made only for a delivered letter, shown once, stored as a hash, listed on the dashboard and in the audit trail', async () => {
    const undelivered = await aLetterOf(t.db, owner, 'owner');
    const refused = await createLink(undelivered.slug);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Record the delivery first');
    expect(refused.path).toBe('');

    const letter = await aDeliveredLetter();
    const invalid = await createLink(letter.slug, { name: '', email: 'not-an-address', expiresOn: '2020-01-01' });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('Enter the addressee&#39;s name.');
    expect(invalid.text).toContain('Enter a valid email address, or leave it empty.');
    expect(invalid.text).toContain('Choose a day after today.');

    const made = await createLink(letter.slug);
    expect(made.status).toBe(201);
    expect(made.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(made.text).toContain('it is shown only this once');
    const link = await t.db.getRepository(RecipientLink).findOneByOrFail({ letterId: letter.id });
    expect(link.tokenHash).toBe(hashToken(made.token));
    expect(JSON.stringify(link)).not.toContain(made.token);
    // A year by default.
    const days = (link.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(367);

    const listing = await ownerBrowser.agent.get(`/organise/letters/${letter.slug}/recipients`).expect(200);
    expect(listing.text).toContain('Jean Ministre');
    expect(listing.text).not.toContain(made.token);
    const dashboard = await ownerBrowser.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(dashboard.text).toContain('id="recipient-links"');
    expect(dashboard.text).toContain('Jean Ministre');
    expect(dashboard.text).toContain('Minister of Justice');

    const kinds = (await t.db.getRepository(AuditEvent).findBy({ letterId: letter.id })).map((e) => e.kind);
    expect(kinds).toContain('recipients.link-created');
  });

  test('an editor can neither make nor revoke a link', async () => {
    const letter = await aDeliveredLetter();
    const editor = await anOrganiser(t.db);
    await grantRole(t.db, editor.email, letter.slug, 'editor');
    const eb = await signInAs(t.app, t.smtp, editor.email);
    const csrf = await eb.csrfFrom(`/organise/letters/${letter.slug}`);
    await eb.agent
      .post(`/organise/letters/${letter.slug}/recipients`)
      .type('form')
      .send({ _csrf: csrf, name: 'X' })
      .expect(403);
    expect(await t.db.getRepository(RecipientLink).countBy({ letterId: letter.id })).toBe(0);
  });

  test('the platform mails the link when asked; the mailed link opens the page, and revoking closes both', async () => {
    const letter = await aDeliveredLetter();
    const address = anEmail('minister');
    const made = await createLink(letter.slug, {
      email: address,
      sendEmail: 'on',
      expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    });
    expect(made.status).toBe(201);
    const [mail] = await t.smtp.waitFor(address);
    expect(mail.subject).toContain('and its signatories');
    const mailed = new URL(linkFrom(mail, '/r/')).pathname;
    expect(mailed).not.toBe(made.path);
    // The job marks the link emailed once the SMTP server has accepted the message: after it is done.
    await drained(t.db, TASK_RECIPIENT_LINK_EMAIL);
    const link = await t.db.getRepository(RecipientLink).findOneByOrFail({ letterId: letter.id });
    expect(link.emailedAt).not.toBeNull();
    expect(link.mailedTokenHash).toBe(hashToken(mailed.slice(3)));
    await request(t.app).get(mailed).expect(200);
    await request(t.app).get(made.path).expect(200);

    const page = `/organise/letters/${letter.slug}/recipients`;
    const revoked = await postForm(ownerBrowser, page, `${page}/${link.id}/revoke`);
    expect(revoked.status).toBe(303);
    await request(t.app).get(mailed).expect(404);
    await request(t.app).get(made.path).expect(404);
    const listing = await ownerBrowser.agent.get(page).expect(200);
    expect(listing.text).toContain('Revoked on');
    const kinds = (await t.db.getRepository(AuditEvent).findBy({ letterId: letter.id })).map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['recipients.link-created', 'recipients.link-revoked', 'recipients.link-viewed']),
    );
  });
});

describe('the recipient page', () => {
  test('shows the list as delivered with private names only to a live link; 404 for malformed, unknown, revoked and expired tokens', async () => {
    const letter = await aDeliveredLetter();
    const before = new Date('2026-01-05T09:00:00Z');
    await aSignature(t.db, letter.id, {
      fullName: 'Public Petro Kovalenko',
      visibility: 'public',
      confirmedAt: before,
      createdAt: before,
    });
    await aSignature(t.db, letter.id, {
      fullName: 'Initials Anna Shevchenko',
      visibility: 'initials',
      confirmedAt: before,
      createdAt: before,
    });
    await aSignature(t.db, letter.id, {
      fullName: 'Private Aigerim Kassymova',
      visibility: 'private',
      country: 'KZ',
      confirmedAt: before,
      createdAt: before,
    });
    const after = new Date('2026-02-01T09:00:00Z');
    await aSignature(t.db, letter.id, {
      fullName: 'Later Private Signer',
      visibility: 'private',
      confirmedAt: after,
      createdAt: after,
    });
    const made = await createLink(letter.slug);

    const page = await request(t.app).get(`${made.path}?lang=en`).expect(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-robots-tag']).toContain('noindex');
    expect(page.text).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(page.text).toContain('Public Petro Kovalenko');
    expect(page.text).toContain('I. A. S.');
    expect(page.text).not.toContain('Initials Anna Shevchenko');
    expect(page.text).toContain('Private Aigerim Kassymova');
    // Signed after the delivery: counted today, not in the list as delivered.
    expect(page.text).not.toContain('Later Private Signer');
    expect(page.text).toMatch(/At delivery<\/dt><dd>3<\/dd>/);
    expect(page.text).toMatch(/Today<\/dt><dd>4<\/dd>/);
    expect(page.text).toContain('We ask for <strong>justice</strong>.');
    expect(page.text).toContain('<svg');

    // Nowhere else.
    const publicPage = await request(t.app).get(`/letters/${letter.slug}`).expect(200);
    expect(publicPage.text).not.toContain('Private Aigerim Kassymova');
    const json = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
    expect(JSON.stringify(json.body)).not.toContain('Private Aigerim Kassymova');

    for (const bad of [
      '/r/short',
      `/r/${'x'.repeat(200)}`,
      '/r/not%20a%20token%3F',
      `/r/${crypto.randomBytes(32).toString('base64url')}`,
    ]) {
      const res = await request(t.app).get(bad);
      expect(res.status).toBe(404);
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.text).not.toContain('Private Aigerim Kassymova');
    }

    const expired = await createLink(letter.slug, { name: 'Expired Official' });
    await t.db.query(`UPDATE recipient_links SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
      hashToken(expired.token),
    ]);
    const gone = await request(t.app).get(expired.path);
    expect(gone.status).toBe(404);
    expect(gone.text).not.toContain('Private Aigerim Kassymova');
    await request(t.app).get(`${expired.path}/signatures.csv`).expect(404);

    const revoked = await createLink(letter.slug, { name: 'Revoked Official' });
    const link = await t.db.getRepository(RecipientLink).findOneByOrFail({ tokenHash: hashToken(revoked.token) });
    await postForm(
      ownerBrowser,
      `/organise/letters/${letter.slug}/recipients`,
      `/organise/letters/${letter.slug}/recipients/${link.id}/revoke`,
    );
    const closed = await request(t.app).get(revoked.path);
    expect(closed.status).toBe(404);
    expect(closed.text).not.toContain('Private Aigerim Kassymova');

    // A letter whose delivery was cleared has no recipient page any more.
    await t.db.getRepository(Letter).update({ id: letter.id }, { deliveredAt: null });
    await request(t.app).get(made.path).expect(404);
  });

  test('every view and download is recorded for the owners; the files are audited exports that /verify knows, made by the link', async () => {
    const letter = await aDeliveredLetter();
    const before = new Date('2026-01-05T09:00:00Z');
    await aSignature(t.db, letter.id, {
      fullName: 'Private Olzhas Seitkali',
      visibility: 'private',
      confirmedAt: before,
      createdAt: before,
    });
    const made = await createLink(letter.slug, { name: 'Marie Procureure' });
    const link = await t.db.getRepository(RecipientLink).findOneByOrFail({ tokenHash: hashToken(made.token) });

    await request(t.app).get(made.path).expect(200);
    const csv = await request(t.app)
      .get(`${made.path}/signatures.csv`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(csv.status).toBe(200);
    expect(csv.headers['cache-control']).toBe('private, no-store');
    const csvBytes = csv.body as Buffer;
    expect(csvBytes.toString('utf8')).toContain('Private Olzhas Seitkali');
    const pdf = await request(t.app)
      .get(`${made.path}/delivery-pack.pdf`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toContain('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const exports = await t.db
      .getRepository(ExportAudit)
      .find({ where: { letterId: letter.id }, order: { createdAt: 'ASC' } });
    expect(exports.map((e) => [e.format, e.purpose, e.organiserId, e.recipientLinkId])).toEqual([
      ['csv', 'delivery', null, link.id],
      ['pdf', 'delivery', null, link.id],
    ]);
    expect(exports[0].sha256).toBe(crypto.createHash('sha256').update(csvBytes).digest('hex'));
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/verify');
    const verified = await b.agent
      .post('/verify')
      .type('form')
      .send({ _csrf: csrf, exportId: exports[0].id, sha256: exports[0].sha256 });
    expect(verified.status).toBe(200);
    expect(verified.text).toMatch(/produced by|genuine|matches/i);

    const events = await t.db
      .getRepository(RecipientLinkEvent)
      .find({ where: { linkId: link.id }, order: { createdAt: 'ASC' } });
    expect(events.map((e) => [e.kind, e.exportId])).toEqual([
      ['view', null],
      ['download-csv', exports[0].id],
      ['download-pdf', exports[1].id],
    ]);
    const counted = await t.db.getRepository(RecipientLink).findOneByOrFail({ id: link.id });
    expect([counted.views, counted.downloads]).toEqual([1, 2]);
    const kinds = (await t.db.getRepository(AuditEvent).findBy({ letterId: letter.id })).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'recipients.link-downloaded')).toHaveLength(2);
    expect(kinds).toContain('recipients.link-viewed');
    expect(kinds.filter((k) => k === 'exports.file-exported')).toHaveLength(2);
    // No address is kept with an event.
    const columns = await t.db.query<Array<{ column_name: string }>>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'recipient_link_events'`,
    );
    expect(columns.map((c) => c.column_name).sort()).toEqual([
      'created_at',
      'export_id',
      'id',
      'kind',
      'letter_id',
      'link_id',
    ]);

    const owners = await ownerBrowser.agent.get(`/organise/letters/${letter.slug}/recipients`).expect(200);
    expect(owners.text).toContain('Marie Procureure opened the page');
    expect(owners.text).toContain('Marie Procureure downloaded the PDF delivery pack');
    expect(owners.text).toContain('Marie Procureure downloaded the CSV list');
  });
});

describe('the official response through a recipient link', () => {
  async function responseForm(path: string, lang = 'en') {
    const b = browser(t.app);
    const page = await b.agent.get(`${path}?lang=${lang}`).expect(200);
    const m = page.text.match(/<form method="post" action="([^"]+)" enctype="multipart\/form-data"/);
    if (!m) throw new Error('no response form');
    return { b, action: m[1].replace(/&amp;/g, '&') };
  }

  test('is held until an owner publishes it; then it is on the letter page as received through the link, with its PDF, and mailed to opted-in signers', async () => {
    const letter = await aDeliveredLetter('Free the journalists');
    const optedIn = await aSignature(t.db, letter.id, { wantsUpdates: true, language: 'fr', visibility: 'private' });
    const optedOut = await aSignature(t.db, letter.id, { wantsUpdates: false });
    const made = await createLink(letter.slug, { name: 'Paul Garde' });
    const { b, action } = await responseForm(made.path);

    const res = await b.agent
      .post(action)
      .field('body', 'The ministry will **review** each case.')
      .attach('attachment', PDF, { filename: 'réponse officielle.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(303);
    const response = await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: letter.id });
    expect(response.receivedVia).toBe('recipient-link');
    expect(response.status).toBe('pending');
    expect(response.attachmentName).toBe('réponse officielle.pdf');
    expect(response.attachmentBytes).toBe(PDF.length);
    const held = await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(held.text).not.toContain('The ministry will');

    // An owner publishes it from the letters' links page.
    const page = `/organise/letters/${letter.slug}/recipients`;
    const published = await postForm(ownerBrowser, page, `${page}/responses/${response.id}`, {
      decision: 'publish',
      title: '',
    });
    expect(published.status).toBe(303);
    expect(published.headers.location).toBe(`${page}?decided=publish#link-responses`);

    const publicPage = await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200);
    // Text from a link is plain paragraphs: no Markdown.
    expect(publicPage.text).toContain('<p>The ministry will **review** each case.</p>');
    expect(publicPage.text).toMatch(/Response received through the recipient&#39;s link on \w+ \d+, \d{4}\./);
    const href = `/letters/${letter.slug}/responses/${response.id}/attachment.pdf`;
    expect(publicPage.text).toContain(href);
    const file = await request(t.app)
      .get(href)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['content-disposition']).toMatch(/^attachment;/);
    expect(Buffer.compare(file.body as Buffer, PDF)).toBe(0);
    await request(t.app).get(`/letters/${letter.slug}/responses/${crypto.randomUUID()}/attachment.pdf`).expect(404);

    // An organiser's response has no such mark.
    expect(publicPage.text.match(/received-via/g)).toHaveLength(1);

    await drained(t.db, TASK_UPDATE_FANOUT, response.id);
    await drained(t.db, TASK_UPDATE_EMAIL, response.id);
    const [mail] = await t.smtp.waitFor(optedIn.email!);
    expect(mail.text).toContain('The ministry will **review** each case.');
    expect(t.smtp.to(optedOut.email!)).toHaveLength(0);

    const events = await t.db.getRepository(RecipientLinkEvent).findBy({ letterId: letter.id, kind: 'response' });
    expect(events).toHaveLength(1);
    const audit = await t.db
      .getRepository(AuditEvent)
      .findBy({ letterId: letter.id, kind: 'updates.response-published' });
    expect(audit[0].detail.recipientLinkId).toBe(events[0].linkId);
    expect(audit[0].actorId).toBe(owner.id);
  });

  test('refuses a file that is not a PDF and an empty text with a localized 422, and a file over 10 MB with a localized 413', async () => {
    const letter = await aDeliveredLetter();
    const made = await createLink(letter.slug);

    const fake = await responseForm(made.path, 'fr');
    const notPdf = await fake.b.agent
      .post(fake.action)
      .field('body', 'Réponse')
      .attach('attachment', Buffer.from('MZ this is a program, not a PDF'), {
        filename: 'answer.pdf',
        contentType: 'application/pdf',
      });
    expect(notPdf.status).toBe(422);
    expect(notPdf.text).toContain('La pièce jointe n’est pas un fichier PDF.');
    expect(notPdf.text).not.toMatch(/at .*\.ts:\d+/);

    const empty = await responseForm(made.path, 'uk');
    const noText = await empty.b.agent.post(empty.action).field('body', '   ');
    expect(noText.status).toBe(422);
    expect(noText.text).toContain('Напишіть вашу відповідь.');

    const big = await responseForm(made.path, 'ru');
    const tooLarge = await big.b.agent
      .post(big.action)
      .field('body', 'Ответ')
      .attach('attachment', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(10 * 1024 * 1024 + 10)]), {
        filename: 'big.pdf',
        contentType: 'application/pdf',
      });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers['cache-control']).toBe('private, no-store');
    expect(tooLarge.text).toContain('Вложение слишком большое');

    expect(await t.db.getRepository(LetterResponse).countBy({ letterId: letter.id })).toBe(0);
  });
});
