import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { foldCountDeltas } from '../../../src/core/letters/counts.service';
import { Letter } from '../../../src/core/letters/letter.entity';
import { LANGUAGES } from '../../../src/platform/web/languages';
import { foldIntegrityDeltas } from '../../../src/features/integrity';
import { auditActor } from '../../../src/core/access';
import { inviteToTeam, issueInvitationToken } from '../../../src/features/organisers/invitations.service';
import { issueSignInToken } from '../../../src/core/access/sign-in.service';
import { createRecipientLink } from '../../../src/features/recipients/recipient-links.service';
import { postRecipientResponse } from '../../../src/features/recipients/recipient-response.service';
import { LARGE_OBJECT_CHUNK_BYTES, StagedLargeObject } from '../../../src/platform/db/large-objects';
import { defaultExpiry } from '../../../src/features/recipients/recipients.schema';
import { issueSignatureTokens } from '../../../src/core/tokens';
import { QR_PNG_SIZES } from '../../../src/features/sharing/qr-code';
import { aSignature, anEmail } from '../../support/factories';
import { anOrganiser } from '../../support/organisers';
import sharp from 'sharp';
import { cosponsorLinkPath } from '../../../src/features/cosponsors';
import { encodeHeaderImage } from '../../../src/features/header-images';
import { saveHeaderImage } from '../../../src/features/header-images/header-image.service';
import { startTestApp, type TestApp } from '../../support/test-app';
import { ROUTE_BUDGET_EXCEPTIONS, type RouteBudgetException } from './route-budget.exceptions';

/**
 * The measuring side of route-budget.test.ts, run by it as a plain node process
 * (`node --expose-gc --import tsx`): under jest's module sandbox some libraries run many times
 * slower than in production (a 1024-pixel QR PNG took 9 to 11 s of CPU there, 0.2 s in node), so
 * figures taken inside jest would measure jest. It starts the app on the run's database, builds
 * the largest data the app allows, walks the router stack and measures every public GET route,
 * then prints one JSON line (RESULT_MARKER) that the test reads and judges.
 *
 * Public means: answered without signing in. A route is public unless a request without
 * credentials is refused (401, 403) or sent to the sign-in page, so a new route is public until
 * it says otherwise. Express answers HEAD with a route's GET handler, so measuring GET covers both.
 */

export const RESULT_MARKER = 'ROUTE_BUDGET_RESULT ';

export const CPU_BUDGET_MS = 50;
export const HEAP_BUDGET_MB = 8;
/** The least of this many tries counts: one busy moment of a shared machine does not fail a route. */
const TRIES = 3;

const BIG_TEXT = 100_000;
const VERSIONS = 20;
const SIGNATURES = 100_000;
const ATTACHMENT_BYTES = 10 * 1024 * 1024;
const RESPONSE_TEXT = 20_000;

let t: TestApp;
let server: http.Server;
let origin: string;

/* ------------------------------------------------------------------------------------------- */
/* Measuring                                                                                   */

// node runs this with --expose-gc; without it the heap figures are read without collecting first.
const gc = (globalThis as { gc?: () => void }).gc ?? null;

/** The memory a request can take: the JavaScript heap and the buffers outside it (file bodies, images). */
function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface Answer {
  status: number;
  location: string | undefined;
  bytes: number;
}

/** One request through a real socket; the body is counted and dropped, so the client keeps nothing. */
function send(path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${origin}${path}`,
      { method: 'GET', headers: { connection: 'close', ...headers }, agent: false },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, bytes }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The CPU one request costs the process (the server's work and the client's, which reads and drops the body). */
async function cpuOf(path: string, headers: Record<string, string>): Promise<{ answer: Answer; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const answer = await send(path, headers);
  const cpu = process.cpuUsage(cpu0);
  return { answer, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * How much the heap (and the buffers outside it) grew while one request was answered, from a
 * collected heap, read before collecting again: what answering took and holds, kept or not.
 * Measured apart from the CPU: a collection just before would put its own sweeping on the CPU bill.
 */
async function heapOf(path: string, headers: Record<string, string>): Promise<number> {
  gc?.();
  const heap0 = heapBytes();
  await send(path, headers);
  return (heapBytes() - heap0) / 1024 / 1024;
}

/* ------------------------------------------------------------------------------------------- */
/* The routes                                                                                  */

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[] | RegExp;
}

interface MountedRoute {
  method: string;
  path: string;
}

/** Every route of the app's router and of the routers mounted in it, with their mount paths. */
function mountedRoutes(app: Express): MountedRoute[] {
  const out: MountedRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          for (const p of paths) out.push({ method: method.toUpperCase(), path: prefix + p });
        }
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string')
          throw new Error(`a router is mounted on a path this test cannot read: ${String(layer.rawPath)}`);
        walk(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

/* ------------------------------------------------------------------------------------------- */
/* The biggest data, and the worst parameters                                                  */

interface Fixture {
  slug: string;
  responseId: string;
  recipientToken: string;
  confirmToken: string;
  withdrawToken: string;
  unfeatureToken: string;
  unsubscribeToken: string;
  mySignaturesToken: string;
  signInToken: string;
  invitationToken: string;
  signatureId: string;
  /** The letter's private link for supporters, and a supporter's confirmation link (it shows the whole text). */
  cosponsorToken: string;
  cosponsorConfirmToken: string;
  /** The letter's header image (so the share card draws its band too). */
  headerImageFile: string;
}
let fx: Fixture;

/** A text of `length` characters in paragraphs of words; `edits` changes every n-th word, so versions differ a little each time. */
function words(length: number, seed: number, edits: number[] = []): string {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    let w = `w${(i * 7919 + seed) % 50021}`;
    for (const e of edits) if (i % 997 === e) w = `v${e}x${i % 1000}`;
    const piece = i % 60 === 59 ? `${w}\n\n` : i % 15 === 14 ? `**${w}** ` : `${w} `;
    out.push(piece);
    size += piece.length;
  }
  return out.join('').slice(0, length);
}

async function buildFixture(stage: (what: string) => void): Promise<Fixture> {
  const db = t.db;
  const owner = await anOrganiser(db, { name: 'Budget Owner' });
  const slug = `budget-${crypto.randomBytes(3).toString('hex')}`;
  const delivered = new Date(Date.UTC(2025, 5, 1));
  const [{ id: letterId }] = await db.query<Array<{ id: string }>>(
    `INSERT INTO letters (slug, status, goal, default_language, public_names_default, created_at, delivered_at, delivered_to, delivery_recorded_at)
     VALUES ($1, 'open', 100000000, 'en', 'public', '2024-12-01', $2, 'The Ministry', now()) RETURNING id`,
    [slug, delivered],
  );
  await db.query(`INSERT INTO letter_organisers (letter_id, organiser_id, role) VALUES ($1, $2, 'owner')`, [
    letterId,
    owner.id,
  ]);
  // Every language at the largest sizes the letter form allows; English in its twentieth version.
  const edits = Array.from({ length: VERSIONS - 1 }, (_, i) => i + 1);
  for (const [i, language] of LANGUAGES.entries()) {
    await db.query(
      `INSERT INTO letter_translations (letter_id, language, title, summary, body, recipient, text_version, text_version_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
      [
        letterId,
        language,
        `T${i} `.repeat(50).slice(0, 200),
        's'.repeat(400),
        words(BIG_TEXT, 11 * i, language === 'en' ? edits : []),
        'r'.repeat(300),
        language === 'en' ? VERSIONS : 1,
      ],
    );
  }
  stage('translations');
  for (let v = 1; v < VERSIONS; v++) {
    await db.query(
      `INSERT INTO letter_text_versions (letter_id, language, version, title, body, published_at, replaced_at)
       VALUES ($1, 'en', $2, $3, $4, $5, $6)`,
      [
        letterId,
        v,
        `T0 v${v} `.repeat(30).slice(0, 200),
        words(BIG_TEXT, 0, edits.slice(0, v - 1)),
        new Date(Date.UTC(2025, 0, v)),
        new Date(Date.UTC(2025, 0, v + 1)),
      ],
    );
  }
  stage('versions');
  // The signatures in one statement, spread over the five months before the delivery, every
  // name display and both kinds of signer; then the count's deltas, as confirming writes them,
  // folded by the worker's own fold (totals, hours and days) and the integrity counters' fold.
  await db.query(
    `INSERT INTO signatures (letter_id, full_name, email, email_normalised, country, city, organisation, signed_as, visibility,
                             language, status, created_at, confirmed_at, source, wants_updates)
     SELECT $1, 'Signer ' || g || ' ' || repeat('n', 60), 'budget' || g || '@example.org', 'budget' || g || '@example.org',
            (ARRAY['UA','FR','KZ','DE','PL','GB','US','IT','ES','LT'])[1 + g % 10],
            CASE WHEN g % 4 = 0 THEN NULL ELSE 'City ' || (g % 97) END,
            CASE WHEN g % 10 = 0 THEN 'Organisation ' || g END,
            CASE WHEN g % 10 = 0 THEN 'organisation' ELSE 'individual' END,
            (ARRAY['public','initials','private'])[1 + g % 3],
            'en', 'confirmed', $3::timestamptz - g * interval '131 seconds', $3::timestamptz - g * interval '131 seconds' + interval '5 minutes', 'online', g % 2 = 0
       FROM generate_series(1, $2::int) g`,
    [letterId, SIGNATURES, delivered],
  );
  stage('signatures');
  await db.query(
    `INSERT INTO signature_count_deltas (letter_id, country, delta, at)
     SELECT letter_id, country, count(*), date_trunc('hour', confirmed_at) FROM signatures WHERE letter_id = $1 GROUP BY 1, 2, 4`,
    [letterId],
  );
  await foldCountDeltas(db);
  await foldIntegrityDeltas(db);
  stage('folds');
  await db.query('ANALYZE signatures');
  stage('analyze');

  stage('letter');
  const letter = await db
    .getRepository(Letter)
    .findOneOrFail({ where: { id: letterId }, relations: { translations: true } });
  const { link, token: recipientToken } = await createRecipientLink(
    t.ctx,
    letter,
    { name: 'n'.repeat(200), role: 'r'.repeat(200), email: null, expiresOn: defaultExpiry(), sendEmail: false },
    auditActor(owner),
  );
  const pdf = Buffer.alloc(ATTACHMENT_BYTES, 0x20);
  pdf.write('%PDF-1.4\n', 0, 'latin1');
  // The upload streams into a staged large object (as the route's parser does), which the
  // response takes over; an owner publishes it, so that its document is public.
  const staged = await StagedLargeObject.create(db);
  for (let at = 0; at < pdf.length; at += LARGE_OBJECT_CHUNK_BYTES)
    await staged.append(pdf.subarray(at, at + LARGE_OBJECT_CHUNK_BYTES));
  const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
  const posted = await postRecipientResponse(
    t.ctx,
    link,
    { title: null, body: words(RESPONSE_TEXT, 5) },
    { name: 'response.pdf', oid: staged.oid, bytes: pdf.length, sha256 },
  );
  // Published as an owner's decision would, but without its fan-out: 100,000 update emails
  // queued here would be sent by the workers of every test that runs after this one.
  await db.query(
    `UPDATE letter_responses SET status = 'published', title = 'Response', published_at = now(), decided_at = now() WHERE id = $1`,
    [posted.id],
  );
  const response = posted;

  stage('response');
  const pending = await aSignature(db, letterId, { status: 'pending' });
  const [confirmToken] = await issueSignatureTokens(db, pending.id, [{ purpose: 'confirm', ttlHours: 48 }]);
  const signer = await aSignature(db, letterId, { wantsUpdates: true });
  const [withdrawToken, unsubscribeToken, unfeatureToken] = await issueSignatureTokens(db, signer.id, [
    { purpose: 'withdraw', ttlHours: 24 },
    { purpose: 'unsubscribe', ttlHours: 24 },
    { purpose: 'unfeature', ttlHours: 24 },
  ]);
  // Featured, so that its link's page is the one a featured signer sees.
  await db.query(
    `INSERT INTO featured_signatories (signature_id, letter_id, position, description) VALUES ($1, $2, 1, $3)`,
    [signer.id, letterId, 'd'.repeat(140)],
  );
  const mySignaturesToken = crypto.randomBytes(32).toString('base64url');
  await db.query(
    `WITH tk AS (INSERT INTO tokens (token_hash, purpose, expires_at) VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'), 'my-signatures', now() + interval '1 day') RETURNING id)
     INSERT INTO my_signatures_links (email, email_normalised, language, token_id, expires_at) SELECT $2, $2, 'en', id, now() + interval '1 day' FROM tk`,
    [mySignaturesToken, signer.emailNormalised],
  );
  const signInToken = await issueSignInToken(t.ctx, owner.id);
  await inviteToTeam(t.ctx, letter, { email: anEmail('invited'), role: 'editor' }, auditActor(owner), 'en');
  const [{ id: invitationId }] = await db.query<Array<{ id: string }>>(
    `SELECT id FROM team_invitations WHERE letter_id = $1`,
    [letterId],
  );
  const invitation = await issueInvitationToken(t.ctx, invitationId, 'en');
  stage('co-sponsors and header image');
  const cosponsorToken = new URL(`http://x${await cosponsorLinkPath(t.ctx, letterId)}`).pathname.split('/').pop()!;
  const cosponsorConfirmToken = crypto.randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO letter_cosponsors (letter_id, full_name, email, email_normalised, language, confirm_token_hash)
     VALUES ($1, 'Sam Supporter', $2, $2, 'en', encode(sha256(convert_to($3, 'UTF8')), 'hex'))`,
    [letterId, anEmail('supporter'), cosponsorConfirmToken],
  );
  const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#2d6a4f' } })
    .jpeg()
    .toBuffer();
  const image = await encodeHeaderImage(photo);
  await saveHeaderImage(db, letterId, image, { en: 'A green field' }, auditActor(owner));
  return {
    slug,
    responseId: response.id,
    recipientToken,
    confirmToken,
    withdrawToken,
    unfeatureToken,
    unsubscribeToken,
    mySignaturesToken,
    signInToken,
    invitationToken: invitation!.token,
    signatureId: signer.id,
    cosponsorToken,
    cosponsorConfirmToken,
    headerImageFile: `${image.sha256}.jpg`,
  };
}

/**
 * What each route parameter is filled with: the costliest value the fixture has. A parameter
 * not named here fails the test, so a new route with a new parameter must be described.
 * `:token` means a different thing on each route, hence the table by path.
 */
function paramValue(name: string, path: string): string {
  const tokens: Array<[RegExp, string]> = [
    [/^\/r\/:token/, fx.recipientToken],
    [/^\/s\/confirm\/:token/, fx.confirmToken],
    [/^\/s\/withdraw\/:token/, fx.withdrawToken],
    [/^\/s\/unfeature\/:token/, fx.unfeatureToken],
    [/^\/u\/:token/, fx.unsubscribeToken],
    [/^\/my-signatures\/:token/, fx.mySignaturesToken],
    [/^\/login\/:token/, fx.signInToken],
    [/^\/invitations\/:token/, fx.invitationToken],
    [/^\/cosponsor\/confirm\/:token/, fx.cosponsorConfirmToken],
    [/^\/cosponsor\/:token/, fx.cosponsorToken],
  ];
  const values: Record<string, () => string | undefined> = {
    slug: () => fx.slug,
    // The oldest version: as large as the newest, and the farthest from it.
    n: () => '1',
    id: () => fx.responseId,
    importId: () => crypto.randomUUID(),
    signatureId: () => fx.signatureId,
    file: () => (path.includes('/header-image/') ? fx.headerImageFile : 'altcha.js'),
    token: () => tokens.find(([re]) => re.test(path))?.[1],
  };
  const value = values[name]?.();
  if (value === undefined)
    throw new Error(
      `${path}: no worst-case value for the route parameter :${name}; add one to paramValue in route-budget.test.ts`,
    );
  return value;
}

function fillPath(path: string): string {
  if (/[*{}()?]/.test(path))
    throw new Error(`${path}: a wildcard or optional part; describe how to fill it in route-budget.test.ts`);
  return path.replace(/:([A-Za-z_$][\w$]*)/g, (_m, name: string) => encodeURIComponent(paramValue(name, path)));
}

/**
 * The largest parameters a route accepts, where it takes any beyond ?lang=. A route that names its
 * own `lang` keeps it in the cache-busting requests too (the earlier versions are in English only).
 */
function worstQuery(path: string): Record<string, string> {
  const extra: Record<string, Record<string, string>> = {
    '/letters/:slug/diff': { lang: 'en', from: '1', to: String(VERSIONS) },
    '/letters/:slug/versions/:n': { lang: 'en' },
    '/letters/:slug/qr.png': { size: String(Math.max(...QR_PNG_SIZES)) },
    // The lists' dearest choices: a search over every version, ranked by count, every status.
    '/': { sort: 'signed', filter: 'all', q: 'letter' },
    '/archive': { sort: 'signed', q: 'letter' },
    '/oembed': {
      url: `${t.config.BASE_URL}/letters/${fx.slug}?lang=en`,
      maxwidth: '100000',
      maxheight: '100000',
      format: 'json',
    },
  };
  return { lang: 'en', ...(extra[path] ?? {}) };
}

function pinsLanguage(path: string): boolean {
  return path === '/letters/:slug/diff' || path === '/letters/:slug/versions/:n';
}

/** Parameters nobody asked for: names other routes know with extreme values, and a long one of no meaning. */
const UNKNOWN: Record<string, string> = {
  page: '99999999',
  limit: '1000000',
  size: '99999999',
  from: '-1',
  to: '99999999',
  after: 'z'.repeat(200),
  q: 'x'.repeat(500),
  [`u${'n'.repeat(100)}`]: 'v'.repeat(2000),
};

interface Variant {
  name: 'worst' | 'unknown parameters' | 'cache-busting';
  request: (i: number) => { path: string; headers: Record<string, string> };
}

function variants(route: MountedRoute): Variant[] {
  const base = fillPath(route.path);
  const q = (params: Record<string, string>) => `${base}?${new URLSearchParams(params).toString()}`;
  return [
    { name: 'worst', request: () => ({ path: q(worstQuery(route.path)), headers: { 'accept-language': 'en' } }) },
    {
      name: 'unknown parameters',
      request: () => ({ path: q({ ...UNKNOWN, ...worstQuery(route.path) }), headers: { 'accept-language': 'en' } }),
    },
    {
      // Each request new to every cache: a query never seen, and another language of the letter and of the interface.
      name: 'cache-busting',
      request: (i) => {
        const lang = LANGUAGES[i % LANGUAGES.length];
        const other = LANGUAGES[(i + 2) % LANGUAGES.length];
        const query = pinsLanguage(route.path) ? worstQuery(route.path) : { ...worstQuery(route.path), lang };
        return {
          path: q({ ...query, _: crypto.randomBytes(8).toString('hex') }),
          headers: { 'accept-language': other },
        };
      },
    },
  ];
}

/* ------------------------------------------------------------------------------------------- */

function isRefusal(a: Answer): boolean {
  return (
    a.status === 401 ||
    a.status === 403 ||
    (a.status >= 300 && a.status < 400 && /^\/login(\?|$)/.test(a.location ?? ''))
  );
}

export interface Measured {
  route: string;
  variant: string;
  status: number;
  cpuMs: number;
  heapMb: number;
}

export interface RouteBudgetResult {
  fixtureSeconds: number;
  measureSeconds: number;
  gc: boolean;
  mounted: string[];
  notPublic: string[];
  measured: Measured[];
}

const trace = (line: string) => process.env.ROUTE_BUDGET_TRACE && process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const t0 = Date.now();
  // As in production where it differs from the other tests: the letter page's micro-cache on, the metrics behind their token.
  t = await startTestApp(
    { LETTER_PAGE_CACHE_SECONDS: '1', METRICS_TOKEN: 'metrics-token-metrics-token-metrics' },
    { worker: false },
  );
  fx = await buildFixture((what) => trace(`${what}: ${Date.now() - t0} ms`));
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const routes = mountedRoutes(t.app);
  const t1 = Date.now();

  const exceptions = new Map<string, RouteBudgetException>(ROUTE_BUDGET_EXCEPTIONS.map((e) => [e.route, e]));
  const measured: Measured[] = [];
  const notPublic: string[] = [];
  for (const route of routes.filter((r) => r.method === 'GET' || r.method === 'HEAD')) {
    const name = `${route.method} ${route.path}`;
    const limit = exceptions.get(name) ?? { cpuMs: CPU_BUDGET_MS, heapMb: HEAP_BUDGET_MB };
    for (const variant of variants(route)) {
      // The first request fills whatever a first request fills (and tells whether the route is public).
      const first = variant.request(0);
      const warm = await send(first.path, first.headers);
      if (variant.name === 'worst' && isRefusal(warm)) {
        notPublic.push(name);
        break;
      }
      // The least of a few tries, stopping at the first within the route's limit.
      let cpuMs = Infinity;
      let status = warm.status;
      for (let i = 1; i <= TRIES && cpuMs > limit.cpuMs; i++) {
        const { path, headers } = variant.request(i);
        const m = await cpuOf(path, headers);
        cpuMs = Math.min(cpuMs, m.cpuMs);
        status = Math.max(status, m.answer.status);
      }
      let heapMb = Infinity;
      for (let i = TRIES + 1; i <= 2 * TRIES && heapMb > limit.heapMb; i++) {
        const { path, headers } = variant.request(i);
        heapMb = Math.min(heapMb, await heapOf(path, headers));
      }
      measured.push({ route: name, variant: variant.name, status, cpuMs: round(cpuMs), heapMb: round(heapMb) });
      trace(`${name} ${variant.name} ${status} ${cpuMs.toFixed(1)} ms ${heapMb.toFixed(2)} MB`);
    }
  }
  const result: RouteBudgetResult = {
    fixtureSeconds: round((t1 - t0) / 1000),
    measureSeconds: round((Date.now() - t1) / 1000),
    gc: gc !== null,
    mounted: routes.map((r) => `${r.method} ${r.path}`),
    notPublic,
    measured,
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (require.main === module) {
  main()
    .then(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
