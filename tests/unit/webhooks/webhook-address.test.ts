import { loadConfig } from '../../../src/platform/config';
import { isPublicAddress, webhookUrlProblem, type Resolver } from '../../../src/features/webhooks/webhook-address';
import { retryDelayMs } from '../../../src/features/webhooks/webhooks.service';
import { signWebhook } from '../../../src/features/webhooks/webhook-signature';

describe('which addresses a webhook may reach in production', () => {
  test.each([
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['10.0.0.1', false],
    ['172.16.5.4', false],
    ['192.168.1.1', false],
    ['100.64.0.1', false], // CGNAT
    ['169.254.169.254', false], // link-local (cloud metadata)
    ['0.0.0.0', false],
    ['224.0.0.1', false], // multicast
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fd12:3456::1', false], // ULA
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:10.0.0.1', false], // IPv4-mapped
    ['::ffff:8.8.8.8', true],
    ['::ffff:7f00:1', false], // IPv4-mapped, in hex
    // ::ffff:0:0:0/96 (IPv4-translated, SIIT): an IPv4 address behind a translator, never a public IPv6 host
    ['::ffff:0:7f00:1', false],
    ['::ffff:0:127.0.0.1', false],
    ['::ffff:0:a00:1', false],
    ['::ffff:0:808:808', false],
    ['64:ff9b::7f00:1', false], // NAT64
    ['2002:7f00:1::', false], // 6to4
    ['not-an-ip', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  const resolver =
    (answers: Record<string, string[]>): Resolver =>
    (host) => {
      const a = answers[host];
      if (!a) return Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
      return Promise.resolve(a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    };

  test('production wants https and every answer of the name public', async () => {
    const dns = resolver({
      'hooks.example.org': ['93.184.216.34'],
      'mixed.example.org': ['93.184.216.34', '10.0.0.5'],
      'inside.example.org': ['192.168.0.2'],
    });
    expect(await webhookUrlProblem('https://hooks.example.org/in', false, dns)).toBeNull();
    expect(await webhookUrlProblem('http://hooks.example.org/in', false, dns)).toBe('webhooks.errors.httpsRequired');
    expect(await webhookUrlProblem('https://mixed.example.org/in', false, dns)).toBe('webhooks.errors.privateAddress');
    expect(await webhookUrlProblem('https://inside.example.org/in', false, dns)).toBe('webhooks.errors.privateAddress');
    expect(await webhookUrlProblem('https://nowhere.example.org/in', false, dns)).toBe('webhooks.errors.unresolvable');
    expect(await webhookUrlProblem('https://user:pw@hooks.example.org/', false, dns)).toBe(
      'webhooks.errors.urlInvalid',
    );
    expect(await webhookUrlProblem('ftp://hooks.example.org/', false, dns)).toBe('webhooks.errors.urlInvalid');
  });

  test('development allows http and local receivers', async () => {
    expect(await webhookUrlProblem('http://127.0.0.1:4400/hook', true)).toBeNull();
    expect(await webhookUrlProblem('javascript:alert(1)', true)).toBe('webhooks.errors.urlInvalid');
  });
});

describe('retries and signatures', () => {
  test('the wait doubles from the base, at most four hours', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 30))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20, 30)).toBe(4 * 3600_000);
  });

  test('the signature is Standard Webhooks’ v1: HMAC-SHA256 of "id.timestamp.body" keyed with the secret’s bytes', () => {
    // The example of the Standard Webhooks specification.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });
});

describe('the setting that switches the address rules', () => {
  test('private and http addresses are allowed outside production only, unless said otherwise', () => {
    const prod = {
      NODE_ENV: 'production',
      SMTP_URL: 'smtp://x',
      BASE_URL: 'https://example.org',
      SESSION_SECRET: 'x'.repeat(32),
    };
    expect(loadConfig({}).WEBHOOK_ALLOW_PRIVATE).toBe(true);
    expect(loadConfig(prod).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'false' }).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(loadConfig({ ...prod, WEBHOOK_ALLOW_PRIVATE: 'true' }).WEBHOOK_ALLOW_PRIVATE).toBe(true);
  });
});
