import request from 'supertest';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';
import { buildApp } from '../../../src/app/app';
import { loadConfig } from '../../../src/platform/config';

const t = useTestApp({}, { worker: false });

function productionApp() {
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: process.env.TEST_DB_URL,
    SMTP_URL: t.smtp.url,
    BASE_URL: 'https://undersigned.example',
    SESSION_SECRET: 'production-secret-production-secret',
    LOG_LEVEL: 'silent',
  });
  return buildApp({ ...t.ctx, config }, { devMailbox: false });
}

function cookie(res: request.Response, name: string): string {
  const all = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const found = all.find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in ${JSON.stringify(all)}`);
  return found;
}

describe('security headers', () => {
  test('every normal page has a CSP without unsafe-inline that forbids framing', async () => {
    const letter = await aLetter(t.db);
    for (const path of ['/', `/letters/${letter.slug}`, `/letters/${letter.slug}/manage`, '/login', '/no/such/page']) {
      const res = await request(t.app).get(path);
      const csp = res.headers['content-security-policy'];
      expect(csp).toBeDefined();
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  test("framing is refused in one voice: X-Frame-Options DENY beside frame-ancestors 'none', and neither on the embed", async () => {
    const letter = await aLetter(t.db);
    for (const path of ['/', `/letters/${letter.slug}`, '/login', '/verify', '/no/such/page', '/feeds/letters.atom']) {
      const res = await request(t.app).get(path);
      expect([path, res.headers['x-frame-options']]).toEqual([path, 'DENY']);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    const embed = await request(t.app).get(`/letters/${letter.slug}/embed`).expect(200);
    expect(embed.headers['x-frame-options']).toBeUndefined();
    expect(embed.headers['content-security-policy']).toContain('frame-ancestors *');
  });

  test('pages whose language follows Accept-Language say which one they are in (Content-Language)', async () => {
    const letter = await aLetter(t.db);
    for (const [path, acceptLanguage, expected] of [
      ['/', 'uk-UA,uk;q=0.9,en;q=0.5', 'uk'],
      ['/', 'de-DE,de;q=0.9', 'en'],
      [`/letters/${letter.slug}`, 'ru', 'ru'],
      ['/login', 'fr-FR', 'fr'],
      ['/no/such/page', 'uk', 'uk'],
      ['/?lang=fr', 'uk', 'fr'],
    ]) {
      const res = await request(t.app).get(path).set('Accept-Language', acceptLanguage);
      expect([path, acceptLanguage, res.headers['content-language']]).toEqual([path, acceptLanguage, expected]);
      expect(res.headers.vary).toMatch(/Accept-Language/i);
      expect(res.text).toContain(`<html lang="${expected}">`);
    }
  });

  test('pages carry no inline scripts or style attributes, which the CSP would block', async () => {
    const letter = await aLetter(t.db);
    const res = await request(t.app).get(`/letters/${letter.slug}`);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/\sstyle="/);
    expect(res.text).not.toMatch(/\son[a-z]+="/);
  });

  test('HSTS is sent in production only', async () => {
    const res = await request(productionApp()).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000; includeSubDomains/);
    expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  test('the CSRF cookie is HttpOnly and SameSite=Lax; in production also Secure, with the __Host- prefix', async () => {
    const letter = await aLetter(t.db);
    const dev = cookie(await request(t.app).get(`/letters/${letter.slug}`), 'csrf');
    expect(dev).toMatch(/; HttpOnly/i);
    expect(dev).toMatch(/; SameSite=Lax/i);
    expect(dev).not.toMatch(/; Secure/i);

    const prod = cookie(await request(productionApp()).get(`/letters/${letter.slug}`), '__Host-csrf');
    expect(prod).toMatch(/; HttpOnly/i);
    expect(prod).toMatch(/; SameSite=Lax/i);
    expect(prod).toMatch(/; Secure/i);
    expect(prod).toMatch(/; Path=\//);
    expect(prod).not.toMatch(/; Domain=/i);
  });

  test('the language cookie is HttpOnly and SameSite=Lax too; in production also Secure', async () => {
    const lang = cookie(await request(t.app).get('/?lang=fr'), 'lang');
    expect(lang).toMatch(/; HttpOnly/i);
    expect(lang).toMatch(/; SameSite=Lax/i);
    expect(lang).not.toMatch(/; Secure/i);

    const letter = await aLetter(t.db);
    for (const path of ['/?lang=fr', `/letters/${letter.slug}.json?lang=uk`]) {
      const prod = cookie(await request(productionApp()).get(path), 'lang');
      expect([path, prod]).toEqual([path, expect.stringMatching(/; Secure/i)]);
      expect(prod).toMatch(/; HttpOnly/i);
      expect(prod).toMatch(/; SameSite=Lax/i);
    }
  });
});
