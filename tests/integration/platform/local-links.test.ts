import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { useTestApp } from '../../support/test-app';
import { LANGUAGES } from '../../../src/platform/web/languages';

let server: http.Server;
const t = useTestApp({}, { worker: false });
beforeAll(async () => {
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A GET with the request target exactly as given (no client normalises it). */
function rawGet(target: string): Promise<{ status: number; body: string; location?: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: target }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every href and action of a page. */
function links(html: string): string[] {
  return [...html.matchAll(/\b(?:href|action)="([^"]*)"/g)].map((m) => m[1].replace(/&#x2F;|&#47;/g, '/'));
}

describe('no foreign links on our pages', () => {
  test.each(['//evil.example/phish', '///evil.example/phish', '/\\evil.example/phish', '//evil.example'])(
    'a request for %s gets language links to our own pages only',
    async (target) => {
      const res = await rawGet(target);
      expect(res.status).toBe(404);
      const hrefs = links(res.body);
      const languageLinks = hrefs.filter((h) => /\?lang=\w\w$/.test(h) && !h.startsWith('/feeds/'));
      expect(languageLinks.length).toBe(LANGUAGES.length);
      for (const href of hrefs) {
        expect(href).not.toContain('evil.example');
        // Exactly one slash, then not a slash or a backslash: a path on this site.
        if (href.startsWith('/')) expect(href).toMatch(/^\/(?![/\\])/);
      }
      expect(languageLinks).toContain('/?lang=uk');
    },
  );

  test('ordinary pages keep their own path in the language links', async () => {
    const res = await rawGet('/login');
    expect(links(res.body)).toContain('/login?lang=fr');
  });
});
