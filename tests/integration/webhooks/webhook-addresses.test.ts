import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { aLetterOf, anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import type { Organiser } from '../../../src/core/access/organiser.entity';

let owner: Organiser;
let pb: Browser;
let calls = 0;
/** A receiver on this machine that must never be called (on a free port: files run in parallel). */
const receiver = http.createServer((_req, res) => {
  calls++;
  res.writeHead(204).end();
});

// The production rules, switched on by the setting production defaults to (WEBHOOK_ALLOW_PRIVATE=false).
const prod = useTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_RETRY_BASE_SECONDS: '3600' });
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  owner = await anOrganiser(prod.db);
  pb = await signInAs(prod.app, prod.smtp, owner.email);
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

describe('webhook addresses in production', () => {
  test('http, loopback, private, link-local, CGNAT and ULA addresses are refused', async () => {
    const letter = await aLetterOf(prod.db, owner, 'owner');
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    const cases: Array<[string, string]> = [
      ['http://example.org/hook', 'must start with https://'],
      ['https://127.0.0.1/hook', 'private or local network'],
      ['https://localhost/hook', 'private or local network'],
      ['https://10.1.2.3/hook', 'private or local network'],
      ['https://169.254.169.254/latest', 'private or local network'],
      ['https://100.64.0.1/hook', 'private or local network'],
      ['https://[fd00::1]/hook', 'private or local network'],
      ['https://[::ffff:127.0.0.1]/hook', 'private or local network'],
    ];
    for (const [url, message] of cases) {
      const res = await postForm(pb, page, page, { url, events: 'signature.confirmed' });
      expect([url, res.status]).toEqual([url, 422]);
      expect(res.text).toContain(message);
    }
    const [n] = await prod.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM webhook_endpoints WHERE letter_id = $1`,
      [letter.id],
    );
    expect(Number(n.n)).toBe(0);
  });

  test('an address that turns private after it was saved is refused at delivery time and logged', async () => {
    const letter = await aLetterOf(prod.db, owner, 'owner');
    // Saved while it pointed elsewhere; now it resolves to this machine (DNS rebinding).
    const [endpoint] = await prod.db.query<Array<{ id: string }>>(
      `INSERT INTO webhook_endpoints (letter_id, url, events, secret) VALUES ($1, $2, '{signature.confirmed}', 'whsec_AAAA') RETURNING id`,
      [letter.id, `http://localhost:${(receiver.address() as AddressInfo).port}/rebound`],
    );
    const page = `/organise/letters/${letter.slug}/api/webhooks`;
    expect((await postForm(pb, page, `${page}/${endpoint.id}/test`)).status).toBe(303);
    let log = '';
    for (let i = 0; i < 60 && !log.includes('private-address'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = (await pb.agent.get(`${page}/${endpoint.id}`).expect(200)).text;
    }
    expect(log).toContain('no answer (private-address)');
    expect(calls).toBe(0);
  });
});
