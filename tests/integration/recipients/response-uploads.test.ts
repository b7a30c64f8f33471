import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import PDFDocument from 'pdfkit';
import request from 'supertest';
import { Letter } from '../../../src/core/letters/letter.entity';
import { auditActor } from '../../../src/core/access';
import { applyRetention } from '../../../src/features/privacy';
import { createRecipientLink } from '../../../src/features/recipients/recipient-links.service';
import { decideHeldResponse, LetterResponse } from '../../../src/features/updates';
import { tFor } from '../../../src/platform/web/i18n';
import { aLetterOf, anOrganiser } from '../../support/organisers';
import { aPdf } from '../../support/pdf';
import { browser, useTestApp } from '../../support/test-app';

const KB = 1024;
const MB = 1024 * KB;
const BUDGET_MB = 3;
const DOWNLOADS_PER_HOUR = 3;
const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

let server: http.Server;
let owner: Awaited<ReturnType<typeof anOrganiser>>;
const t = useTestApp({
  TRUST_PROXY: 'loopback',
  RESPONSE_UPLOAD_MB_PER_NETWORK_PER_HOUR: String(BUDGET_MB),
  RECIPIENT_DOWNLOADS_PER_LINK_PER_HOUR: String(DOWNLOADS_PER_HOUR),
});
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Olga Owner' });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A documentation-range IPv6 /64 no other test uses: each test uploads from a network of its own. */
function aNetwork() {
  const [a, b] = [crypto.randomBytes(2).toString('hex'), crypto.randomBytes(2).toString('hex')];
  return { host: (i = 0) => `2001:db8:${a}:${b}::${(i + 1).toString(16)}` };
}

/** A delivered letter of `owner` with one live recipient link. */
async function aLink() {
  const made = await aLetterOf(t.db, owner, 'owner', { title: `Delivered ${crypto.randomBytes(3).toString('hex')}` });
  await t.db.query(
    `UPDATE letters SET delivered_at = now() - interval '1 day', delivered_to = 'The Ministry', delivery_recorded_at = now() WHERE id = $1`,
    [made.id],
  );
  const letter = await t.db.getRepository(Letter).findOneByOrFail({ id: made.id });
  const { link, token } = await createRecipientLink(
    t.ctx,
    letter,
    { name: 'Jean Ministre', role: null, email: null, sendEmail: false, expiresOn: '2099-01-01' },
    auditActor(owner),
  );
  return { letter, link, token, path: `/r/${token}` };
}

/** The response form's action and the cookies it needs, as a browser has them after opening the page. */
async function responseFormOf(path: string, lang = 'en') {
  const b = browser(t.app);
  const page = await b.agent.get(`${path}?lang=${lang}`).expect(200);
  const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/
    .exec(page.text)?.[1]
    ?.replace(/&amp;/g, '&');
  if (!action) throw new Error('no response form');
  const cookie = b.agent.jar
    .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
  return { b, action, cookie, csrf: new URL(action, 'http://x').searchParams.get('_csrf')! };
}

const BOUNDARY = '----undersigned-response-boundary';
function multipart(body: string, file: { name: string; data: Buffer } | null): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="body"\r\n\r\n${body}\r\n`),
  ];
  if (file) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="attachment"; filename="${file.name}"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends the first `sendBytes` of `body` (declaring its whole length) and waits: the server's
 * answer if it comes while the rest is still unsent, or null after `waitMs`.
 */
function answerBeforeTheRest(
  path: string,
  body: Buffer,
  opts: { sendBytes: number; headers: Record<string, string>; waitMs?: number },
): Promise<Answer | null> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: Answer | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(v);
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: {
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': String(body.length),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', () => undefined);
    const timer = setTimeout(() => done(null), opts.waitMs ?? 5000);
    req.write(body.subarray(0, opts.sendBytes));
  });
}

/** Posts the whole body over a raw connection and reads the answer. */
function post(path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: {
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': String(body.length),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function largeObjects(): Promise<number> {
  const [row] = await t.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM pg_largeobject_metadata`);
  return Number(row.n);
}

async function largeObjectExists(oid: string | number): Promise<boolean> {
  const rows = await t.db.query<unknown[]>(`SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1::oid`, [oid]);
  return rows.length === 1;
}

/** Posts a response with `file` through a fresh link, from a network of its own; returns the stored response. */
async function aResponseWith(file: Buffer, name = 'réponse officielle.pdf') {
  const link = await aLink();
  const form = await responseFormOf(link.path);
  const res = await post(form.action, multipart('We read every name.', { name, data: file }), {
    Cookie: form.cookie,
    'X-Forwarded-For': aNetwork().host(),
  });
  expect(res.status).toBe(303);
  const held = await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: link.letter.id });
  // Held for the owners until one of them publishes it (then its document is public).
  const response = await decideHeldResponse(
    t.ctx,
    link.letter.id,
    held.id,
    'publish',
    'The response',
    auditActor(owner),
  );
  const [stored] = await t.db.query<Array<{ content: string; sha256: string; bytes: string }>>(
    `SELECT content::text AS content, sha256, bytes FROM letter_response_attachments WHERE response_id = $1`,
    [response.id],
  );
  return { ...link, response, stored, href: `/letters/${link.letter.slug}/responses/${response.id}/attachment.pdf` };
}

function download(path: string, headers: Record<string, string> = {}) {
  const req = request(t.app).get(path);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

function pdfkitDocument(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument();
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.text('The Ministry answers.');
    doc.end();
  });
}

describe('a response upload is refused before its body is read', () => {
  test('to an unknown, revoked or expired link: 404 while the client is still sending', async () => {
    const live = await aLink();
    const form = await responseFormOf(live.path);
    const body = multipart('A response', { name: 'big.pdf', data: Buffer.concat([aPdf(8 * MB)]) });
    const headers = { Cookie: form.cookie, 'X-Forwarded-For': aNetwork().host() };
    const unknown = `/r/${crypto.randomBytes(32).toString('base64url')}/response?_csrf=${encodeURIComponent(form.csrf)}`;
    const answer = await answerBeforeTheRest(unknown, body, { sendBytes: 256 * KB, headers });
    expect(answer?.status).toBe(404);
    expect(answer?.headers.connection).toBe('close');
    expect(answer?.headers['cache-control']).toBe('private, no-store');

    const revoked = await aLink();
    const revokedForm = await responseFormOf(revoked.path);
    await t.db.query(`UPDATE recipient_links SET revoked_at = now() WHERE id = $1`, [revoked.link.id]);
    expect(
      (
        await answerBeforeTheRest(revokedForm.action, body, {
          sendBytes: 256 * KB,
          headers: { ...headers, Cookie: revokedForm.cookie },
        })
      )?.status,
    ).toBe(404);

    const expired = await aLink();
    const expiredForm = await responseFormOf(expired.path);
    await t.db.query(`UPDATE recipient_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expired.link.id,
    ]);
    expect(
      (
        await answerBeforeTheRest(expiredForm.action, body, {
          sendBytes: 256 * KB,
          headers: { ...headers, Cookie: expiredForm.cookie },
        })
      )?.status,
    ).toBe(404);

    const cleared = await aLink();
    const clearedForm = await responseFormOf(cleared.path);
    await t.db.query(`UPDATE letters SET delivered_at = NULL WHERE id = $1`, [cleared.letter.id]);
    expect(
      (
        await answerBeforeTheRest(clearedForm.action, body, {
          sendBytes: 256 * KB,
          headers: { ...headers, Cookie: clearedForm.cookie },
        })
      )?.status,
    ).toBe(404);
  });

  test('beyond the network’s hourly byte budget: 429 in the addressee’s language, before the body is read', async () => {
    const net = aNetwork();
    const file = aPdf(Math.floor(1.2 * MB));
    // Two uploads of 1.2 MB from two addresses of one /64 fit the 3 MB budget.
    for (let i = 0; i < 2; i++) {
      const link = await aLink();
      const form = await responseFormOf(link.path, 'fr');
      const ok = await post(form.action, multipart('Réponse', { name: 'r.pdf', data: file }), {
        Cookie: form.cookie,
        'X-Forwarded-For': net.host(i),
      });
      expect(ok.status).toBe(303);
    }
    const link = await aLink();
    const form = await responseFormOf(link.path, 'fr');
    const refused = await answerBeforeTheRest(form.action, multipart('Réponse', { name: 'r.pdf', data: file }), {
      sendBytes: 64 * KB,
      headers: { Cookie: form.cookie, 'X-Forwarded-For': net.host(2) },
    });
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused?.body).toContain('<html lang="fr"');
    expect(refused?.body).toContain(escapeHtml(tFor('fr')('recipients.errors.uploadBudget', { megabytes: BUDGET_MB })));
    // Another network still has its budget.
    const other = await post(form.action, multipart('Réponse', { name: 'r.pdf', data: file }), {
      Cookie: form.cookie,
      'X-Forwarded-For': aNetwork().host(),
    });
    expect(other.status).toBe(303);
  });
});

describe('the attachment is a PostgreSQL large object', () => {
  test('stored as it arrived, with its SHA-256 and size; nothing of it in a bytea column', async () => {
    const file = aPdf(600 * KB);
    const { stored, response } = await aResponseWith(file);
    expect(stored.sha256).toBe(crypto.createHash('sha256').update(file).digest('hex'));
    expect(Number(stored.bytes)).toBe(file.length);
    expect(response.attachmentBytes).toBe(file.length);
    const [lo] = await t.db.query<Array<{ data: Buffer }>>(
      `SELECT lo_get($1::oid) AS data FROM letter_response_attachments LIMIT 1`,
      [stored.content],
    );
    expect(Buffer.compare(lo.data, file)).toBe(0);
    const columns = await t.db.query<Array<{ data_type: string }>>(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'letter_response_attachments' AND data_type = 'bytea'`,
    );
    expect(columns).toHaveLength(0);
  });

  test('downloads with a strong ETag (its SHA-256), public immutable caching, 304 for If-None-Match, and a safe RFC 6266 name', async () => {
    const file = aPdf(700 * KB);
    const { href, stored } = await aResponseWith(file, '../../Ответ\u202Efdp.exe%0A министерства.pdf');
    const res = await download(href);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, file)).toBe(0);
    expect(res.headers['etag']).toBe(`"${stored.sha256}"`);
    expect(res.headers['cache-control']).toMatch(/^public, .*immutable/);
    expect(res.headers['content-length']).toBe(String(file.length));
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const disposition = res.headers['content-disposition'];
    const safe = 'Ответfdp.exe министерства.pdf';
    expect(disposition).toBe(
      `attachment; filename="${safe.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(safe)}`,
    );

    const again = await download(href, { 'If-None-Match': `"${stored.sha256}"` });
    expect(again.status).toBe(304);
    expect((again.body as Buffer).length).toBe(0);
    expect(again.headers['etag']).toBe(`"${stored.sha256}"`);
    expect((await download(href, { 'If-None-Match': '"something-else"' })).status).toBe(200);
  });

  test('is deleted with its response, its letter or an abandoned upload: no large object is left without an owner', async () => {
    const byResponse = await aResponseWith(aPdf(100 * KB));
    expect(await largeObjectExists(byResponse.stored.content)).toBe(true);
    await t.db.query(`DELETE FROM letter_responses WHERE id = $1`, [byResponse.response.id]);
    expect(await largeObjectExists(byResponse.stored.content)).toBe(false);

    const byLetter = await aResponseWith(aPdf(100 * KB));
    await t.db.query(`DELETE FROM letters WHERE id = $1`, [byLetter.letter.id]);
    expect(await largeObjectExists(byLetter.stored.content)).toBe(false);

    // The response outlives its link (it is the letter's record): so does its document.
    const byLink = await aResponseWith(aPdf(100 * KB));
    await t.db.query(`DELETE FROM recipient_links WHERE id = $1`, [byLink.link.id]);
    expect(await largeObjectExists(byLink.stored.content)).toBe(true);
    await t.db.query(`DELETE FROM letter_responses WHERE id = $1`, [byLink.response.id]);
    expect(await largeObjectExists(byLink.stored.content)).toBe(false);

    // An upload cut off half-way leaves nothing once its connection is gone.
    const before = await largeObjects();
    const cut = await aLink();
    const form = await responseFormOf(cut.path);
    const body = multipart('Cut off', { name: 'r.pdf', data: aPdf(2 * MB) });
    expect(
      await answerBeforeTheRest(form.action, body, {
        sendBytes: MB,
        headers: { Cookie: form.cookie, 'X-Forwarded-For': aNetwork().host() },
        waitMs: 1000,
      }),
    ).toBeNull();
    for (let i = 0; i < 100 && (await largeObjects()) !== before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await largeObjects()).toBe(before);
    expect(await t.db.getRepository(LetterResponse).countBy({ letterId: cut.letter.id })).toBe(0);

    // One a crashed process left behind is swept by the hourly retention run.
    await t.db.query(
      `INSERT INTO upload_staging (content, created_at) VALUES (lo_from_bytea(0, 'partial'::bytea), now() - interval '2 hours')`,
    );
    expect(await largeObjects()).toBe(before + 1);
    const report = await applyRetention(t.db, t.config);
    expect(report.abandonedUploads).toBe(1);
    expect(await largeObjects()).toBe(before);

    const orphans = await t.db.query<unknown[]>(
      `SELECT m.oid FROM pg_largeobject_metadata m
        WHERE NOT EXISTS (SELECT 1 FROM letter_response_attachments a WHERE a.content = m.oid)
          AND NOT EXISTS (SELECT 1 FROM upload_staging s WHERE s.content = m.oid)
          AND NOT EXISTS (SELECT 1 FROM public_list_files f WHERE f.content = m.oid)
          AND NOT EXISTS (SELECT 1 FROM letter_header_images h WHERE h.content = m.oid)`,
    );
    expect(orphans).toHaveLength(0);
  });
});

describe('the attachment must be a whole PDF', () => {
  test.each([
    [
      'HTML behind the PDF signature',
      Buffer.from('%PDF-<html><body><script>alert(1)</script></body></html>\n%%EOF\n'),
      'attachmentNotPdf',
    ],
    [
      'a PDF header followed by HTML',
      Buffer.from('%PDF-1.7\n<html><body>phish</body></html>\n%%EOF\n'),
      'attachmentDamaged',
    ],
    ['a PDF cut short', aPdf(50 * KB).subarray(0, 40 * KB), 'attachmentDamaged'],
    [
      'a startxref that points nowhere',
      Buffer.from(
        aPdf(1 * KB)
          .toString('latin1')
          .replace(/startxref\n\d+/, 'startxref\n12'),
        'latin1',
      ),
      'attachmentDamaged',
    ],
  ])('%s is refused with a localized 422 and nothing is kept', async (_what, data, message) => {
    const before = await largeObjects();
    const link = await aLink();
    const form = await responseFormOf(link.path, 'kk');
    const res = await post(form.action, multipart('Жауап', { name: 'answer.pdf', data }), {
      Cookie: form.cookie,
      'X-Forwarded-For': aNetwork().host(),
    });
    expect(res.status).toBe(422);
    expect(res.body).toContain(escapeHtml(tFor('kk')(`recipients.errors.${message}`)));
    expect(await t.db.getRepository(LetterResponse).countBy({ letterId: link.letter.id })).toBe(0);
    expect(await largeObjects()).toBe(before);
  });

  test('a malformed form (a control character in a part header) is a 400, and keeps nothing', async () => {
    const before = await largeObjects();
    const link = await aLink();
    const form = await responseFormOf(link.path);
    const res = await post(form.action, multipart('Answer', { name: 'answer\u0007.pdf', data: aPdf(100 * KB) }), {
      Cookie: form.cookie,
      'X-Forwarded-For': aNetwork().host(),
    });
    expect(res.status).toBe(400);
    expect(await largeObjects()).toBe(before);
  });

  test('a PDF as a PDF library writes it is taken', async () => {
    const file = await pdfkitDocument();
    const { stored } = await aResponseWith(file);
    expect(Number(stored.bytes)).toBe(file.length);
  });

  test('a valid response text with an invalid file keeps no large object, and a valid file with an empty text neither', async () => {
    const before = await largeObjects();
    const link = await aLink();
    const form = await responseFormOf(link.path);
    const res = await post(form.action, multipart('   ', { name: 'answer.pdf', data: aPdf(200 * KB) }), {
      Cookie: form.cookie,
      'X-Forwarded-For': aNetwork().host(),
    });
    expect(res.status).toBe(422);
    expect(await largeObjects()).toBe(before);
  });
});

describe("the addressee's downloads", () => {
  test('a link may download the list a bounded number of times an hour (each is an export of every row): then a localized 429', async () => {
    const link = await aLink();
    for (let i = 0; i < DOWNLOADS_PER_HOUR; i++) {
      const ok = await request(t.app).get(`${link.path}/signatures.csv`);
      expect(ok.status).toBe(200);
    }
    const refused = await request(t.app).get(`${link.path}/delivery-pack.pdf`).set('Accept-Language', 'fr');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.text).toContain(escapeHtml(tFor('fr')('recipients.errors.tooManyDownloads')));
    const [exports] = await t.db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM export_audit WHERE recipient_link_id = $1`,
      [link.link.id],
    );
    expect(exports.n).toBe(DOWNLOADS_PER_HOUR);
    // Another link has its own allowance.
    const other = await aLink();
    expect((await request(t.app).get(`${other.path}/signatures.csv`)).status).toBe(200);
  });
});
