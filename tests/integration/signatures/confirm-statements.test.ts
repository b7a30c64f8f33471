import request from 'supertest';
import { pgPool } from '../../../src/platform/db/pool';
import { hashToken, rawToken } from '../../../src/core/tokens/tokens';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import crypto from 'node:crypto';
import { aLetter, aSignature } from '../../support/factories';
import { confirmByLink } from '../../support/journey';
import { startTestApp, type TestApp } from '../../support/test-app';

/**
 * A viral day's confirmation: pressing Confirm counts the POST against the sender's network in
 * the confirming statement itself (the flood counter, the signature, its token and its count delta:
 * one round trip, one commit), which also returns what the confirmed page's "find my name" link
 * needs. It was three statements: the flood counter (the flood middleware's), the confirmation,
 * and the signer's row in the list read again.
 */
function anIp(): string {
  const [a, b] = crypto.randomBytes(2);
  return `198.18.${a}.${b}`;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: 'loopback', FLOOD_LIMIT_PER_IP_PER_MINUTE: '3' }, { worker: false });
});
afterAll(async () => {
  await t.close();
});

async function pendingWithLink(letterId: string): Promise<{ id: string; link: string }> {
  const sig = await aSignature(t.db, letterId, { status: 'pending' });
  const raw = rawToken();
  await t.db.query(
    `INSERT INTO tokens (token_hash, purpose, signature_id, expires_at) VALUES ($1, 'confirm', $2, now() + interval '1 day')`,
    [hashToken(raw), sig.id],
  );
  return { id: sig.id, link: `/s/confirm/${raw}` };
}

/** Statements run through the app's pool while `fn` runs (each query takes a connection once). */
async function statementsDuring(fn: () => Promise<unknown>): Promise<number> {
  const pool = pgPool(t.db);
  let n = 0;
  const count = () => n++;
  pool.on('acquire', count);
  try {
    await fn();
  } finally {
    pool.off('acquire', count);
  }
  return n;
}

test('pressing Confirm costs one statement: the flood counter, the confirmation and the own row together', async () => {
  const letter = await aLetter(t.db);
  const first = await pendingWithLink(letter.id);
  // The first one fills the per-process caches (the confirmed page of this letter).
  expect((await confirmByLink(t.app, first.link, { headers: { 'x-forwarded-for': anIp() } })).status).toBe(200);

  const second = await pendingWithLink(letter.id);
  const ip = anIp();
  const page = await request(t.app).get(second.link).set('x-forwarded-for', ip);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  const cookie = ([] as string[])
    .concat(page.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  let status = 0;
  const statements = await statementsDuring(async () => {
    const res = await request(t.app)
      .post(second.link)
      .set({ 'x-forwarded-for': ip, cookie })
      .type('form')
      .send({ _csrf: csrf });
    status = res.status;
  });
  expect(status).toBe(200);
  expect(statements).toBe(1);
  const [row] = await t.db.query(`SELECT status FROM signatures WHERE id = $1`, [second.id]);
  expect(row.status).toBe('confirmed');
  // The press was counted against the network.
  const [flood] = await t.db.query(
    `SELECT count(*)::int AS n FROM rate_limits WHERE key LIKE 'flood-ip:%' AND points = 1`,
  );
  expect(flood.n).toBeGreaterThan(0);
});

test('beyond the flood limit, Confirm is refused with 429 and changes nothing: no confirmation, no token used, no count', async () => {
  const letter = await aLetter(t.db);
  const ip = anIp();
  const headers = { 'x-forwarded-for': ip };
  const links = [];
  for (let i = 0; i < 4; i++) links.push(await pendingWithLink(letter.id));
  for (let i = 0; i < 3; i++) expect((await confirmByLink(t.app, links[i].link, { headers })).status).toBe(200);
  const refused = await confirmByLink(t.app, links[3].link, { headers });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  const [row] = await t.db.query(`SELECT status FROM signatures WHERE id = $1`, [links[3].id]);
  expect(row.status).toBe('pending');
  const [token] = await t.db.query(`SELECT used_at FROM tokens WHERE signature_id = $1`, [links[3].id]);
  expect(token.used_at).toBeNull();
  expect(await verifiedCount(t.db, letter.id)).toBe(3);
  // Every other answer to the press counts too: a malformed link (404), a form that does not parse (422).
  const other = anIp();
  const page = await request(t.app).get(links[3].link).set('x-forwarded-for', other);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  const cookie = ([] as string[])
    .concat(page.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const press = (path: string, form: Record<string, string>) =>
    request(t.app)
      .post(path)
      .set({ 'x-forwarded-for': other, cookie })
      .type('form')
      .send({ _csrf: csrf, ...form });
  expect((await press('/s/confirm/not-a-token', {})).status).toBe(404);
  expect((await press(links[3].link, { visibility: 'everyone' })).status).toBe(422);
  expect((await press(links[3].link, {})).status).toBe(200);
  expect((await press(links[3].link, {})).status).toBe(429);
});
