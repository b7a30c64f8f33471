import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { aLetter, aSignature } from '../support/factories';
import { useTestApp } from '../support/test-app';
import type { Letter } from '../../src/core/letters/letter.entity';
import { Evidence, launchChromium, overflowsHorizontally } from './support';

const PORT = 4317;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const DAY_MS = 86_400_000;

let server: Server;
let browser: Browser;
let letter: Letter;
const evidence = new Evidence('count-history');

const t = useTestApp();
beforeAll(async () => {
  letter = await aLetter(t.db, { title: 'A letter with a history' });
  for (const [daysAgo, country] of [
    [20, 'UA'],
    [12, 'FR'],
    [12, 'UA'],
    [5, 'KZ'],
    [1, 'UA'],
    [0, 'FR'],
  ] as const) {
    await aSignature(t.db, letter, { country, createdAt: new Date(Date.now() - daysAgo * DAY_MS) });
  }
  server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(PORT, '127.0.0.1', () => resolve(s));
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => {
    server?.closeAllConnections();
    server?.close(() => resolve());
  });
});

async function pageAt(width: number, height: number, locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width, height } });
  context.setDefaultTimeout(15000);
  return context.newPage();
}

test.each([
  ['desktop', 1280, 900, 'en-GB'],
  ['phone', 360, 640, 'uk-UA'],
] as const)(
  'the letter page with its count over time passes axe on %s, and the chart fits the screen',
  async (name, width, height, locale) => {
    const page = await pageAt(width, height, locale);
    const otherHosts: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(ORIGIN)) otherHosts.push(req.url());
    });
    try {
      await page.goto(`${ORIGIN}/letters/${letter.slug}`);
      const chart = page.locator('figure.count-history svg[role="img"]');
      await chart.waitFor();
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
      expect(await overflowsHorizontally(page)).toBe(false);
      // The open data links answer.
      for (const ext of ['json', 'csv']) {
        const href = await page
          .locator(`a[href="/letters/${letter.slug}/history.${ext}"]`)
          .first()
          .getAttribute('href');
        expect((await fetch(`${ORIGIN}${href}`)).status).toBe(200);
      }
      await evidence.check(page, `letter-${name}`);
      expect(otherHosts).toEqual([]);
    } finally {
      await page.context().close();
    }
  },
);
