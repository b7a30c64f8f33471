import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

/**
 * Thousands of random and hostile requests at every form and JSON route: no 5xx, no stack trace,
 * no unescaped reflection of markup or template code, and no signature stored from an invalid
 * payload. Deterministic: the same seed makes the same requests.
 */
const SEED = 20261127;
const PAYLOADS = 3000;
const HUGE = 10 * 1024 * 1024;

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const chance = (p: number) => rand() < p;

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const EJS = '<%= process.exit() %>';
const HOSTILE = [
  SCRIPT,
  IMG,
  EJS,
  '<%- global.process.mainModule.require("child_process").execSync("id") %>',
  '{{7*7}}',
  '${7*7}',
  '#{7*7}',
  "'; DROP TABLE signatures; --",
  "' OR '1'='1",
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '\u0000',
  'a\u0000b',
  '\u202eevil',
  '\uffff\ufffe',
  '\ud800',
  '🙂'.repeat(50),
  'Ж'.repeat(300),
  'x'.repeat(5000),
  '../../../../etc/passwd',
  '%00%0d%0a',
  '\r\nSet-Cookie: pwned=1',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  '',
  ' ',
  '0',
  '-1',
  '1e309',
] as const;

const FIELDS = [
  'fullName',
  'email',
  'country',
  'city',
  'organisation',
  'signedAs',
  'visibility',
  'wantsUpdates',
  'website',
  'emailHintFor',
  'emailChoice',
];

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A valid signature that must be stored (everything else must not). */
  validEmail?: string;
}
interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let port = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });

function send(req: Sent, opts: { keepAlive?: boolean } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const r = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path,
        headers: req.body ? { ...req.headers, 'content-length': String(req.body.length) } : req.headers,
        agent: opts.keepAlive === false ? false : agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => (settled ? undefined : reject(e)));
      },
    );
    // A server may answer a huge body before reading it all and close: the answer is what counts.
    r.on('error', (e) => (settled ? undefined : reject(e)));
    if (req.body) r.end(req.body);
    else r.end();
  });
}

let csrfCookie = '';
let csrfToken = '';
let slug = '';
let letterId = '';

const t = useTestApp(
  {
    FLOOD_LIMIT_PER_IP_PER_MINUTE: '1000000',
    SIGN_LIMIT_PER_EMAIL_PER_HOUR: '1000000',
    SIGN_LIMIT_PER_IP_PER_HOUR: '1000000',
  },
  { worker: false },
);
beforeAll(async () => {
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const letter = await aLetter(t.db, { title: 'Fuzzed letter' });
  slug = letter.slug;
  letterId = letter.id;
  const page = await send({ method: 'GET', path: `/letters/${slug}`, headers: {} });
  const setCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('csrf='))!;
  csrfCookie = setCookie.split(';')[0];
  csrfToken = page.body.match(/name="_csrf" value="([^"]+)"/)![1];
});

afterAll(async () => {
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

type Pairs = Array<[string, string]>;
/** Each byte as it travels in a URL: itself when unreserved, otherwise %XX. */
const PCT = Array.from({ length: 256 }, (_, b) =>
  /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
    ? String.fromCharCode(b)
    : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
);
/** Percent-encodes the UTF-8 bytes (lone surrogates included, which encodeURIComponent refuses). */
const pct = (s: string) => {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += PCT[b];
  return out;
};
const enc = (pairs: Pairs) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');

let serial = 0;
/** A valid sign form whose free-text fields carry hostile but legal text. */
function validSignPairs(): { pairs: Pairs; email: string } {
  serial++;
  const email = `fuzz-${SEED}-${serial}@fuzz-${serial}.example.org`;
  const text = () =>
    chance(0.6) ? pick(["'; DROP TABLE signatures; --", SCRIPT, EJS, '{{7*7}}', 'Ілля О’Коннор', IMG]) : 'Fuzz Signer';
  return {
    email,
    pairs: [
      ['fullName', `${text()} ${serial}`],
      ['email', email],
      ['country', pick(['UA', 'kz', 'FR', ' ru '])],
      ['city', text()],
      ['organisation', ''],
      ['signedAs', 'individual'],
      ['visibility', pick(['public', 'initials', 'private'])],
    ],
  };
}

/** Mutations that each make a sign form invalid (or a bot's, which is dropped). */
const BREAKERS: Array<(p: Pairs) => Pairs> = [
  (p) => p.map(([k, v]) => [k, k === 'email' ? pick(HOSTILE) : v]),
  (p) => p.map(([k, v]) => [k, k === 'email' ? `${pick(HOSTILE)}@` : v]),
  (p) => p.filter(([k]) => k !== 'email'),
  (p) => [...p, ['email', 'second@example.org']], // email[] = [a, b]
  (p) => [...p, ['fullName', 'b']],
  (p) => p.map(([k, v]) => [k === 'fullName' ? 'fullName[]' : k, v]),
  (p) => p.map(([k, v]) => [k === 'email' ? 'email[x]' : k, v]),
  (p) => p.map(([k, v]) => [k, k === 'fullName' ? pick(['a', '', ' ', 'x'.repeat(201), '\u0000']) : v]),
  (p) => p.map(([k, v]) => [k, k === 'country' ? pick(['XX', 'ZZZ', SCRIPT, '', '🙂', 'U\u0000A']) : v]),
  (p) => p.map(([k, v]) => [k, k === 'visibility' ? pick(['everyone', SCRIPT, EJS, '']) : v]),
  (p) => p.map(([k, v]) => [k, k === 'signedAs' ? pick(['organisation', 'robot', EJS]) : v]),
  (p) => [...p, ['wantsUpdates', pick(['maybe', SCRIPT, '1'])]],
  (p) => [...p, ['website', pick(['http://spam.example', SCRIPT, 'x'])]], // honeypot: silently dropped
  (p) => p.map(([k, v]) => [k, k === 'city' ? 'c'.repeat(121) : v]),
];

function formBody(pairs: Pairs, csrf: 'valid' | 'none' | 'wrong' | 'array'): Buffer {
  const extra: Pairs =
    csrf === 'valid'
      ? [['_csrf', csrfToken]]
      : csrf === 'wrong'
        ? [['_csrf', pick(HOSTILE)]]
        : csrf === 'array'
          ? [
              ['_csrf', csrfToken],
              ['_csrf', csrfToken],
            ]
          : [];
  return Buffer.from(enc([...pairs, ...extra]));
}

const ODD_SLUGS = [
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  'a'.repeat(300),
  'UPPER-CASE',
  '%3Cscript%3E',
  '%E0%A4%A',
  '%F0%9F%99%82',
  'no-such-letter',
  '-',
  '--x',
  "x'%20OR%201=1",
  '%252e%252e',
  'con',
  '.json',
];
const ODD_TOKENS = [
  'short',
  'A'.repeat(43),
  'A'.repeat(500),
  '%00',
  '..%2F..',
  '%3Cscript%3E',
  "x'--",
  'A'.repeat(43) + '%20',
];

function invalidUtf8(): Buffer {
  const parts = [
    Buffer.from('fullName='),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]),
    Buffer.from('&email=a%FF%FE%ZZ@x&country=%C3%28&_csrf='),
    Buffer.from(csrfToken),
    Buffer.from('&visibility=public%'),
  ];
  return Buffer.concat(parts);
}

function multipart(pairs: Pairs): { body: Buffer; type: string } {
  const boundary = `----fuzz${Math.floor(rand() * 1e9)}`;
  const body =
    pairs.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
    `--${boundary}--\r\n`;
  return { body: Buffer.from(body), type: `multipart/form-data; boundary=${boundary}` };
}

function jsonValue(depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.4) return pick(HOSTILE);
  if (r < 0.55) return Math.floor(rand() * 1e6) * (chance(0.5) ? -1 : 1);
  if (r < 0.65) return pick([null, true, false, 1e308, -0]);
  if (r < 0.8) return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => jsonValue(depth + 1));
  return { [pick([...FIELDS, '__proto__', 'constructor', 'toString'])]: jsonValue(depth + 1) };
}

function makePayload(): Sent {
  const cookie = chance(0.9) ? csrfCookie : '';
  const base: Record<string, string> = cookie ? { cookie } : {};
  if (chance(0.5)) base['accept-language'] = pick(['uk', 'ru;q=0.9, fr', 'fr-CA', '*', 'xx', SCRIPT]);
  if (chance(0.1)) base.accept = pick(['application/json', 'text/html', '*/*', 'image/png']);
  const route = rand();

  if (route < 0.5) {
    // The sign form: mostly invalid by construction, a few valid with hostile text.
    const { pairs, email } = validSignPairs();
    const lang = chance(0.3) ? `?lang=${pick(['uk', 'ru', 'fr', 'en', 'xx', '%3Cscript%3E'])}` : '';
    const path = chance(0.9) ? `/letters/${slug}/sign${lang}` : `/letters/${pick(ODD_SLUGS)}/sign`;
    const shape = rand();
    if (shape < 0.06) {
      return {
        method: 'POST',
        path,
        headers: { ...base, cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody(pairs, 'valid'),
        validEmail: path.startsWith(`/letters/${slug}/`) ? email : undefined,
      };
    }
    let broken = pick(BREAKERS)(pairs);
    if (chance(0.3)) broken = pick(BREAKERS)(broken);
    if (chance(0.2))
      broken.push([
        pick(['__proto__[x]', 'constructor[prototype][x]', 'toString', 'hasOwnProperty', pick(FIELDS) + '[]']),
        pick(HOSTILE),
      ]);
    if (shape < 0.6) {
      return {
        method: 'POST',
        path,
        headers: {
          ...base,
          'content-type': pick([
            'application/x-www-form-urlencoded',
            'application/x-www-form-urlencoded; charset=utf-8',
            'application/x-www-form-urlencoded; charset=latin1',
            'application/x-www-form-urlencoded; charset=nope',
          ]),
        },
        body: formBody(broken, pick(['valid', 'valid', 'valid', 'none', 'wrong', 'array'])),
      };
    }
    if (shape < 0.7)
      return {
        method: 'POST',
        path,
        headers: { ...base, 'content-type': 'application/x-www-form-urlencoded' },
        body: invalidUtf8(),
      };
    if (shape < 0.8) {
      const obj = Object.fromEntries(broken.map(([k, v]) => [k, chance(0.3) ? jsonValue() : v]));
      return {
        method: 'POST',
        path,
        headers: { ...base, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ ...obj, _csrf: chance(0.8) ? csrfToken : jsonValue() })),
      };
    }
    if (shape < 0.86) {
      const m = multipart([...broken, ['_csrf', csrfToken]]);
      return { method: 'POST', path, headers: { ...base, 'content-type': m.type }, body: m.body };
    }
    if (shape < 0.92)
      return {
        method: 'POST',
        path,
        headers: { ...base, 'content-type': 'text/plain' },
        body: formBody(broken, 'valid'),
      };
    if (shape < 0.96) return { method: 'POST', path, headers: base, body: formBody(broken, 'valid') };
    return {
      method: 'POST',
      path,
      headers: { ...base, 'content-type': 'application/json' },
      body: Buffer.from(pick(['{', '[1,2', '{"a":', 'null', '"str"', '\u0000', '{"fullName":"\\ud800"}', '1e99999'])),
    };
  }
  if (route < 0.62) {
    const ct = pick(['application/x-www-form-urlencoded', 'application/json', 'text/plain']);
    const value = pick(HOSTILE);
    const body =
      ct === 'application/json'
        ? JSON.stringify({ email: chance(0.5) ? value : [value, value], _csrf: csrfToken })
        : enc([
            ['email', value],
            ['email', chance(0.3) ? value : ''],
            ['_csrf', csrfToken],
          ]);
    return {
      method: 'POST',
      path: `/letters/${chance(0.85) ? slug : pick(ODD_SLUGS)}/manage`,
      headers: { ...base, 'content-type': ct },
      body: Buffer.from(body),
    };
  }
  if (route < 0.7) {
    return {
      method: 'POST',
      path: `/s/withdraw/${pick(ODD_TOKENS)}`,
      headers: { ...base, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody([['confirm', pick(HOSTILE)]], pick(['valid', 'none'])),
    };
  }
  if (route < 0.77) {
    const value = chance(0.7) ? pick(HOSTILE) : `${pick(HOSTILE)}@example.org`;
    return {
      method: 'POST',
      path: '/login',
      headers: { ...base, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(
        [['email', value], ...(chance(0.2) ? ([['email', value]] as Pairs) : [])],
        pick(['valid', 'valid', 'none']),
      ),
    };
  }
  if (route < 0.8) {
    return {
      method: 'POST',
      path: `/u/${pick(ODD_TOKENS)}`,
      headers: { ...base, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody([['List-Unsubscribe', 'One-Click']], pick(['valid', 'none'])),
    };
  }
  if (route < 0.9)
    return {
      method: 'GET',
      path: `/letters/${pick(ODD_SLUGS)}.json${chance(0.3) ? `?lang=${pick(['uk', '%00', '%3Cscript%3E'])}` : ''}`,
      headers: base,
    };
  if (route < 0.95) return { method: 'GET', path: `/s/confirm/${pick(ODD_TOKENS)}`, headers: base };
  return {
    method: 'GET',
    path: pick([
      `/letters/${slug}?lang=%3Cscript%3E`,
      `/letters/${slug}/manage?x=${pct(SCRIPT)}`,
      `/oembed?url=${pct(pick(HOSTILE))}`,
      `/letters/${pick(ODD_SLUGS)}/embed`,
      `/letters/${slug}/check-email?lang[]=uk`,
    ]),
    headers: base,
  };
}

const STACK = /\bat [\w$.<>]+ \(?[^)\s]*:\d+:\d+\)?|node_modules|\.ts:\d+/;

function problemsOf(req: Sent, res: Got): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`status ${res.status}`);
  if (STACK.test(res.body)) problems.push('stack trace in body');
  for (const raw of [SCRIPT, IMG, EJS, '<svg onload']) {
    if (res.body.includes(raw)) problems.push(`unescaped ${raw}`);
  }
  // A CR/LF in a value must never split a header.
  if (JSON.stringify(res.headers).includes('pwned')) problems.push('header injection');
  return problems.map(
    (p) => `${req.method} ${req.path.slice(0, 80)} [${req.headers['content-type'] ?? 'no type'}]: ${p}`,
  );
}

test(`${PAYLOADS} random and hostile payloads: no 5xx, no stack trace, no unescaped reflection, nothing stored from invalid input`, async () => {
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  const payloads = Array.from({ length: PAYLOADS }, makePayload);
  const problems: string[] = [];
  const stored = new Set<string>();
  const statuses = new Map<number, number>();
  let next = 0;
  const workers = Array.from({ length: 4 }, async () => {
    while (next < payloads.length) {
      const req = payloads[next++];
      const res = await send(req);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      problems.push(...problemsOf(req, res));
      if (req.validEmail && res.status === 303) stored.add(req.validEmail.toLowerCase());
    }
  });
  await Promise.all(workers);

  // Huge bodies (10 MB) in every content type are refused as too large, never read into memory.
  for (const type of [
    'application/x-www-form-urlencoded',
    'application/json',
    'text/plain',
    'multipart/form-data; boundary=x',
  ]) {
    const body = Buffer.alloc(HUGE, type.includes('json') ? '[' : 'a');
    const res = await send(
      { method: 'POST', path: `/letters/${slug}/sign`, headers: { cookie: csrfCookie, 'content-type': type }, body },
      { keepAlive: false },
    );
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    expect([403, 413, 415, 400]).toContain(res.status);
    problems.push(...problemsOf({ method: 'POST', path: 'huge', headers: { 'content-type': type } }, res));
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU seconds of the process that serves and sends: the run's cost on an idle machine.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `fuzz: ${PAYLOADS + 4} requests in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} CPU s); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${stored.size} valid hostile signatures\n`,
  );

  expect(problems.slice(0, 20)).toEqual([]);
  const rows = await t.db.query<Array<{ email: string; full_name: string }>>(
    'SELECT email, full_name FROM signatures WHERE letter_id = $1',
    [letterId],
  );
  expect(new Set(rows.map((r) => r.email.toLowerCase()))).toEqual(stored);
  expect(stored.size).toBeGreaterThan(0);
  // Hostile text that is legal is stored as text, exactly.
  expect(rows.every((r) => !r.full_name.includes('\u0000'))).toBe(true);
  // The table the SQL injection named is still there, and so is the server.
  expect((await send({ method: 'GET', path: '/healthz', headers: {} })).status).toBe(200);
}, 240_000);
