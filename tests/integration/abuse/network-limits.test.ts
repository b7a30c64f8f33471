import crypto from 'node:crypto';
import type { Response } from 'supertest';
import { aLetter, anEmail } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';
import { tFor } from '../../../src/platform/web/i18n';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

/** A documentation-range IPv6 /64 no other test uses; `host(i)` is the i-th address inside it. */
function aSlash64() {
  const [a, b] = [crypto.randomBytes(2).toString('hex'), crypto.randomBytes(2).toString('hex')];
  return { host: (i: number) => `2001:db8:${a}:${b}:${(i + 1).toString(16)}:0:0:${(i * 7 + 3).toString(16)}` };
}

// The production default of 60 requests per network and hour, behind a proxy on loopback.
const t = useTestApp({ TRUST_PROXY: 'loopback', SIGN_LIMIT_PER_IP_PER_HOUR: '60' }, { worker: false });

describe('per-network limits on sign-in and manage-link requests', () => {
  test('65 sign-in requests from 65 addresses of one IPv6 /64 hit the limit, in the reader language', async () => {
    const net = aSlash64();
    const b = browser(t.app);
    const csrf = await b.csrfFrom('/login?lang=uk');
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 65; i++) {
      const res = await b.agent
        .post('/login')
        .set('X-Forwarded-For', net.host(i))
        .type('form')
        .send({ email: anEmail(), _csrf: csrf });
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(60)).toEqual([429, 429, 429, 429, 429]);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused?.text).toContain(escapeHtml(tFor('uk')('errors.rateLimited')));
    // Another network is not affected.
    const other = await b.agent
      .post('/login')
      .set('X-Forwarded-For', aSlash64().host(0))
      .type('form')
      .send({ email: anEmail(), _csrf: csrf });
    expect(other.status).toBe(200);
  });

  test("65 'manage my signature' requests from 65 addresses of one IPv6 /64 hit the limit", async () => {
    const letter = await aLetter(t.db);
    const net = aSlash64();
    const b = browser(t.app);
    const csrf = await b.csrfFrom(`/letters/${letter.slug}/manage`);
    const statuses: number[] = [];
    for (let i = 0; i < 65; i++) {
      const res = await b.agent
        .post(`/letters/${letter.slug}/manage`)
        .set('X-Forwarded-For', net.host(i))
        .type('form')
        .send({ email: anEmail(), _csrf: csrf });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(60)).toEqual([429, 429, 429, 429, 429]);
  });
});
