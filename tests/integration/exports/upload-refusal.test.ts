import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { aLetterOf, anOrganiser, signInAs } from '../../support/organisers';
import { browser, useTestApp } from '../../support/test-app';
import { tFor } from '../../../src/platform/web/i18n';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
const MB = 1024 * 1024;

let server: http.Server;
const t = useTestApp({ TRUST_PROXY: 'loopback', VERIFY_UPLOAD_MB_PER_NETWORK_PER_HOUR: '1' });
beforeAll(async () => {
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A documentation-range IPv6 /64 no other test uses; `host(i)` is an address inside it. */
function aSlash64() {
  const [a, b] = [crypto.randomBytes(2).toString('hex'), crypto.randomBytes(2).toString('hex')];
  return { host: (i: number) => `2001:db8:${a}:${b}::${(i + 1).toString(16)}` };
}

const BOUNDARY = '----undersigned-test-boundary';
function filePartHead(name = 'list.csv'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/csv\r\n\r\n`,
  );
}
const TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

interface EarlyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Declares a multipart body of `declaredBytes`, sends only its first `sendBytes`, and waits:
 * the server's answer if it comes before the rest was sent (it cannot have read what was never
 * sent), or null after `waitMs`.
 */
function earlyAnswer(
  path: string,
  opts: { declaredBytes: number; sendBytes: number; headers?: Record<string, string>; waitMs?: number },
): Promise<EarlyAnswer | null> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: EarlyAnswer | null) => {
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
          'Content-Length': String(opts.declaredBytes),
          ...opts.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    // The server may close the connection as soon as it has answered: not an error here.
    req.on('error', () => undefined);
    const timer = setTimeout(() => done(null), opts.waitMs ?? 3000);
    const head = filePartHead();
    req.write(Buffer.concat([head, Buffer.alloc(Math.max(0, opts.sendBytes - head.length), 'a')]));
  });
}

/** The action of the page's multipart form, with the cookies it needs, as a browser would post it. */
async function uploadFormOf(b: ReturnType<typeof browser>, page: string) {
  const res = await b.agent.get(page).expect(200);
  const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/
    .exec(res.text)?.[1]
    ?.replace(/&amp;/g, '&');
  if (!action) throw new Error(`no upload form on ${page}`);
  const cookies = b.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false });
  return { action, cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') };
}

describe('/verify refuses an upload before reading it', () => {
  test('an anonymous upload without a CSRF token is answered 403 while the client is still sending', async () => {
    const answer = await earlyAnswer('/verify', { declaredBytes: 20 * MB, sendBytes: 256 * 1024 });
    expect(answer?.status).toBe(403);
    expect(answer?.headers.connection).toBe('close');
  });

  test('a body declared larger than the file limit is answered 413 before it is read', async () => {
    const { action, cookie } = await uploadFormOf(browser(t.app), '/verify');
    const answer = await earlyAnswer(action, {
      declaredBytes: 300 * MB,
      sendBytes: 64 * 1024,
      headers: { Cookie: cookie },
    });
    expect(answer?.status).toBe(413);
  });

  test('the upload form works without JavaScript: its action carries the CSRF token', async () => {
    const b = browser(t.app);
    const { action } = await uploadFormOf(b, '/verify');
    expect(action).toMatch(/^\/verify\?_csrf=/);
    const res = await b.agent
      .post(action)
      .set('X-Forwarded-For', aSlash64().host(0))
      .attach('file', Buffer.from('name,country\n'), 'list.csv');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Not a file from this platform');
  });

  test('a scripted client may send the token in the X-CSRF-Token header', async () => {
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/verify');
    const res = await b.agent
      .post('/verify')
      .set('X-CSRF-Token', csrf)
      .set('X-Forwarded-For', aSlash64().host(0))
      .attach('file', Buffer.from('x'), 'x.csv');
    expect(res.status).toBe(200);
  });

  test('beyond its hourly byte budget a network gets 429 with Retry-After in its language, before the body is read', async () => {
    const net = aSlash64();
    const b = browser(t.app);
    await b.agent.get('/verify?lang=uk').expect(200);
    const file = Buffer.alloc(400 * 1024, 'x');
    // Two uploads of 400 KB from two addresses of one /64 fit the 1 MB budget.
    for (let i = 0; i < 2; i++) {
      const { action } = await uploadFormOf(b, '/verify');
      const csrf = new URL(action, 'http://x').searchParams.get('_csrf')!;
      const res = await b.agent
        .post(action)
        .set('X-Forwarded-For', net.host(i))
        .field('_csrf', csrf)
        .attach('file', file, 'list.csv');
      expect(res.status).toBe(200);
    }
    // The third would pass it: refused from its declared length, before its body is read.
    const { action, cookie } = await uploadFormOf(b, '/verify');
    const refused = await earlyAnswer(action, {
      declaredBytes: file.length + 300,
      sendBytes: 32 * 1024,
      headers: { Cookie: cookie, 'X-Forwarded-For': net.host(2) },
    });
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused?.body).toContain('<html lang="uk"');
    expect(refused?.body).toContain(escapeHtml(tFor('uk')('exports.verify.errors.budget', { megabytes: 1 })));
    // Another network still has its budget; checking by digest is never limited by it.
    const other = await b.agent
      .post(action)
      .set('X-Forwarded-For', aSlash64().host(0))
      .attach('file', file, 'list.csv');
    expect(other.status).toBe(200);
    const csrf = await b.csrfFrom('/verify');
    const byDigest = await b.agent
      .post('/verify')
      .set('X-Forwarded-For', net.host(3))
      .type('form')
      .send({ _csrf: csrf, exportId: crypto.randomUUID(), sha256: 'a'.repeat(64) });
    expect(byDigest.status).toBe(200);
  });
});

/** A whole multipart upload sent chunked, without a Content-Length, as a streaming client may. */
function chunkedUpload(path: string, bytes: number, headers: Record<string, string>): Promise<number> {
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
          'Transfer-Encoding': 'chunked',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.write(filePartHead());
    req.write(Buffer.alloc(bytes, 'c'));
    req.end(TAIL);
  });
}

describe('/verify uploads of undeclared length', () => {
  test('are charged to the budget once read, and refused once it is spent', async () => {
    const net = aSlash64();
    const { action, cookie } = await uploadFormOf(browser(t.app), '/verify');
    const headers = (i: number) => ({ Cookie: cookie, 'X-Forwarded-For': net.host(i) });
    expect(await chunkedUpload(action, 900 * 1024, headers(0))).toBe(200);
    expect(await chunkedUpload(action, 200 * 1024, headers(1))).toBe(200);
    const refused = await earlyAnswer(action, { declaredBytes: 10 * 1024, sendBytes: 1024, headers: headers(2) });
    expect(refused?.status).toBe(429);
  });
});

describe('the paper upload refuses before reading', () => {
  test('an anonymous upload without a CSRF token is answered 403 while the client is still sending', async () => {
    const answer = await earlyAnswer('/organise/letters/any-letter/paper', {
      declaredBytes: 3 * MB,
      sendBytes: 256 * 1024,
    });
    expect(answer?.status).toBe(403);
    // Beyond what the form can send, the declared length alone refuses it.
    expect(
      (await earlyAnswer('/organise/letters/any-letter/paper', { declaredBytes: 20 * MB, sendBytes: 256 * 1024 }))
        ?.status,
    ).toBe(413);
  });

  test('a visitor with a CSRF token but no session is sent to sign in before the body is read', async () => {
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/login');
    const cookie = b.agent.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const answer = await earlyAnswer(`/organise/letters/any-letter/paper?_csrf=${encodeURIComponent(csrf)}`, {
      declaredBytes: 2 * MB,
      sendBytes: 64 * 1024,
      headers: { Cookie: cookie },
    });
    expect(answer?.status).toBe(303);
    expect(answer?.headers.location).toBe('/login');
  });

  test("an organiser's upload form carries the token in its action and works", async () => {
    const owner = await anOrganiser(t.db);
    const letter = await aLetterOf(t.db, owner);
    const b = await signInAs(t.app, t.smtp, owner.email);
    const { action } = await uploadFormOf(b, `/organise/letters/${letter.slug}/paper`);
    expect(action).toMatch(new RegExp(`^/organise/letters/${letter.slug}/paper\\?_csrf=`));
    const res = await b.agent
      .post(action)
      .attach('file', Buffer.from('Name;Country;City;Date\r\nОлена Ковальчук;UA;Київ;2025-11-02\r\n'), 'sheet.csv');
    expect(res.status).toBe(303);
    const again = await uploadFormOf(b, `/organise/letters/${letter.slug}/paper`);
    const declaredTooLarge = await earlyAnswer(again.action, {
      declaredBytes: 50 * MB,
      sendBytes: 64 * 1024,
      headers: { Cookie: again.cookie },
    });
    expect(declaredTooLarge?.status).toBe(413);
  });
});
