import crypto from 'node:crypto';
import type { Response } from 'supertest';
import { aLetter, anEmail, signForm } from '../../support/factories';
import { confirm, sign } from '../../support/journey';
import { browser, startTestApp, type TestApp, useTestApp } from '../../support/test-app';
import { addAllowedNetwork } from '../../../src/features/abuse/abuse.service';
import { verifiedCount } from '../../../src/core/letters/counts.service';
import { tFor } from '../../../src/platform/web/i18n';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

/** A documentation-range address no other test uses, so limit counters never meet. */
function anIp(): string {
  const b = crypto.randomBytes(2);
  return `198.18.${b[0]}.${b[1] || 1}`;
}

/** A signer on a domain of their own, so the per-domain limits stay out of the way. */
function ownDomainForm(): Record<string, string> {
  const hex = crypto.randomBytes(4).toString('hex');
  return signForm({ email: `s-${hex}@d-${hex}.org` });
}

async function heldReasons(t: TestApp, letterId: string): Promise<Array<string | null>> {
  const rows: Array<{ held_reason: string | null }> = await t.db.query(
    'SELECT held_reason FROM signatures WHERE letter_id = $1 ORDER BY created_at, id',
    [letterId],
  );
  return rows.map((r) => r.held_reason);
}

/** What a client can observe of a response, less what differs between any two requests. */
function observable(res: Response) {
  const headers = { ...res.headers };
  delete headers['set-cookie'];
  delete headers.date;
  return { status: res.status, headers, body: res.text.replace(/name="_csrf" value="[^"]+"/g, '') };
}

describe('held signatures', () => {
  const t = useTestApp({ TRUST_PROXY: 'loopback' });

  test('a held submission gets exactly the response of a normal one, is mailed as usual, and is never counted', async () => {
    const letter = await aLetter(t.db);
    const normal = signForm();
    const disposable = signForm({ email: `bot-${crypto.randomBytes(3).toString('hex')}@mailinator.com` });
    const a = await sign(t.app, letter.slug, normal, { ip: anIp() });
    const b = await sign(t.app, letter.slug, disposable, { ip: anIp() });
    expect(a.status).toBe(303);
    expect(observable(b)).toEqual(observable(a));
    expect(Object.keys(b.headers).sort()).toEqual(Object.keys(a.headers).sort());

    const rows: Array<{ email: string; held_reason: string | null }> = await t.db.query(
      'SELECT email, held_reason FROM signatures WHERE letter_id = $1',
      [letter.id],
    );
    expect(rows.find((r) => r.email === normal.email)?.held_reason).toBeNull();
    expect(rows.find((r) => r.email === disposable.email)?.held_reason).toBe('disposable-domain');

    for (const email of [normal.email, disposable.email]) {
      const page = await confirm(t, email);
      expect(page.status).toBe(200);
    }
    expect(await verifiedCount(t.db, letter.id)).toBe(1);
  });

  test('a subdomain of a disposable-address service is held too', async () => {
    const letter = await aLetter(t.db);
    await sign(
      t.app,
      letter.slug,
      signForm({ email: `x-${crypto.randomBytes(3).toString('hex')}@eu.mailinator.com` }),
      { ip: anIp() },
    );
    expect(await heldReasons(t, letter.id)).toEqual(['disposable-domain']);
  });
});

describe('soft limits', () => {
  const t = useTestApp(
    {
      TRUST_PROXY: 'loopback',
      SIGN_BURST_PER_IP_PER_MINUTE: '2',
      SIGN_BURST_PER_EMAIL_PER_MINUTE: '1',
      SIGN_BURST_PER_DOMAIN_PER_MINUTE: '2',
    },
    { worker: false },
  );

  test('beyond the per-IP burst, signatures from one address are taken with the same answer but held', async () => {
    const letter = await aLetter(t.db);
    const ip = anIp();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await sign(t.app, letter.slug, ownDomainForm(), { ip }));
    expect(answers.map((r) => r.status)).toEqual([303, 303, 303, 303]);
    expect(new Set(answers.map((r) => r.headers.location)).size).toBe(1);
    expect(await heldReasons(t, letter.id)).toEqual([null, null, 'burst-ip', 'burst-ip']);
  });

  test('behind a trusted proxy on loopback, X-Forwarded-For gives each signer their own limits', async () => {
    const letter = await aLetter(t.db);
    for (let i = 0; i < 5; i++) await sign(t.app, letter.slug, ownDomainForm(), { ip: anIp() });
    expect(await heldReasons(t, letter.id)).toEqual([null, null, null, null, null]);
  });

  test('the same address signing a second letter within the minute is held for review', async () => {
    const [first, second] = [await aLetter(t.db), await aLetter(t.db)];
    const email = ownDomainForm().email;
    await sign(t.app, first.slug, signForm({ email }), { ip: anIp() });
    await sign(t.app, second.slug, signForm({ email: email.toUpperCase() }), { ip: anIp() });
    expect(await heldReasons(t, first.id)).toEqual([null]);
    expect(await heldReasons(t, second.id)).toEqual(['burst-email']);
  });

  test('many signers from one small domain in a minute are held, while a big public provider is never limited', async () => {
    const letter = await aLetter(t.db);
    const domain = `tiny-${crypto.randomBytes(3).toString('hex')}.org`;
    for (let i = 0; i < 3; i++) await sign(t.app, letter.slug, signForm({ email: `p${i}@${domain}` }), { ip: anIp() });
    expect(await heldReasons(t, letter.id)).toEqual([null, null, 'burst-domain']);

    const other = await aLetter(t.db);
    for (let i = 0; i < 4; i++) {
      await sign(t.app, other.slug, signForm({ email: `p${crypto.randomBytes(4).toString('hex')}@gmail.com` }), {
        ip: anIp(),
      });
    }
    expect(await heldReasons(t, other.id)).toEqual([null, null, null, null]);
  });

  test("signers from a letter's allowed network skip the per-IP limits of that letter only", async () => {
    const [allowing, other] = [await aLetter(t.db), await aLetter(t.db)];
    const octet = crypto.randomBytes(1)[0];
    await addAllowedNetwork(t.db, allowing.id, `203.0.${octet}.0/24`, 'University library', null);
    for (let i = 0; i < 4; i++) await sign(t.app, allowing.slug, ownDomainForm(), { ip: `203.0.${octet}.${10 + i}` });
    for (let i = 0; i < 4; i++) await sign(t.app, other.slug, ownDomainForm(), { ip: `203.0.${octet}.10` });
    expect(await heldReasons(t, allowing.id)).toEqual([null, null, null, null]);
    expect(await heldReasons(t, other.id)).toEqual([null, null, 'burst-ip', 'burst-ip']);
  });
});

describe('trusting the proxy', () => {
  test('with TRUST_PROXY=false a forged X-Forwarded-For does not escape the per-IP limits', async () => {
    const t = await startTestApp({ TRUST_PROXY: 'false', SIGN_BURST_PER_IP_PER_MINUTE: '2' }, { worker: false });
    try {
      // All requests come from the test's own loopback address; clear its counter first.
      await t.db.query(`DELETE FROM rate_limits WHERE key LIKE 'soft-burst-ip%'`);
      const letter = await aLetter(t.db);
      for (let i = 0; i < 3; i++) await sign(t.app, letter.slug, signForm(), { ip: anIp() });
      expect(await heldReasons(t, letter.id)).toEqual([null, null, 'burst-ip']);
    } finally {
      await t.close();
    }
  });
});

describe('the flood limit', () => {
  test('every POST route counts, and beyond the limit the answer is 429 with Retry-After in the reader language', async () => {
    const t = await startTestApp({ TRUST_PROXY: 'loopback', FLOOD_LIMIT_PER_IP_PER_MINUTE: '3' }, { worker: false });
    try {
      const letter = await aLetter(t.db);
      const octet = crypto.randomBytes(1)[0];
      // Even a letter's allowed network does not skip it.
      await addAllowedNetwork(t.db, letter.id, `192.0.${octet}.0/24`, null, null);
      const ip = `192.0.${octet}.7`;
      const b = browser(t.app);
      const csrf = await b.csrfFrom(`/letters/${letter.slug}?lang=uk`);
      const post = (path: string, form: Record<string, string>) =>
        b.agent
          .post(path)
          .set('X-Forwarded-For', ip)
          .set('Accept-Language', 'uk')
          .type('form')
          .send({ ...form, _csrf: csrf });
      expect((await post(`/letters/${letter.slug}/sign?lang=uk`, signForm())).status).toBe(303);
      expect((await post(`/letters/${letter.slug}/manage?lang=uk`, { email: anEmail() })).status).toBe(200);
      expect((await post(`/letters/${letter.slug}/sign?lang=uk`, signForm())).status).toBe(303);
      const refused = await post(`/letters/${letter.slug}/sign?lang=uk`, signForm());
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.text).toContain('<html lang="uk"');
      expect(refused.text).toContain(escapeHtml(tFor('uk')('errors.rateLimited')));
      // One-click unsubscribes (POSTed by mailbox providers' shared servers) are never refused.
      const unsubscribe = await b.agent
        .post(`/u/${'A'.repeat(43)}`)
        .set('X-Forwarded-For', ip)
        .type('form')
        .send('List-Unsubscribe=One-Click');
      expect(unsubscribe.status).not.toBe(429);
      // Nobody else is affected, and reading is never limited.
      expect((await b.agent.get(`/letters/${letter.slug}`).set('X-Forwarded-For', ip)).status).toBe(200);
      const other = await browser(t.app)
        .agent.post(`/letters/${letter.slug}/sign`)
        .set('X-Forwarded-For', anIp())
        .type('form')
        .send({});
      expect(other.status).toBe(403); // no CSRF token: refused by CSRF, not by the flood limit
    } finally {
      await t.close();
    }
  });
});
