import type { Browser, Page } from 'playwright-core';
import { aLetter, aSignature } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';
import type { Letter } from '../../src/core/letters/letter.entity';
import { Evidence, launchChromium, listen, overflowsHorizontally, text, type E2eServer } from './support';

let t: TestApp;
let server: E2eServer;
let browser: Browser;
let letter: Letter;
let cyrillic: Letter;
const evidence = new Evidence('signatories');
const kk = text('kk');
const en = text('en');
const uk = text('uk');

beforeAll(async () => {
  t = await startTestApp({}, { worker: false });
  letter = await aLetter(t.db, { title: 'A letter many signed' });
  const base = Date.now() - 3_600_000;
  // 120 signers: three pages of the list; a Kazakh name among them, typed with its own letters.
  for (let i = 0; i < 120; i++)
    await aSignature(t.db, letter, {
      fullName: i === 70 ? 'Айгерім Қасымқызы' : `Signer Number ${String(i).padStart(3, '0')}`,
      country: i % 3 ? 'UA' : 'KZ',
      visibility: i % 10 === 9 ? 'private' : 'public',
      createdAt: new Date(base + i * 1000),
    });
  await aSignature(t.db, letter, { fullName: 'Small Country Person', country: 'IS', createdAt: new Date(base) });
  // A second letter: 60 readers named Ірина among others, more than a page of them.
  cyrillic = await aLetter(t.db, { title: 'A letter signed in Cyrillic' });
  for (let i = 0; i < 90; i++)
    await aSignature(t.db, cyrillic, {
      fullName: i % 3 === 2 ? `Олег Шевченко ${i}` : `Ірина Бондаренко ${String(i).padStart(2, '0')}`,
      country: 'UA',
      createdAt: new Date(base + i * 1000),
    });
  server = await listen(t.app);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

async function newPage(options: Parameters<Browser['newContext']>[0]): Promise<Page> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(15000);
  return context.newPage();
}

test('on a phone, a reader searches a Kazakh name typed on a Russian keyboard and finds it; the list passes axe', async () => {
  const page = await newPage({
    locale: 'kk-KZ',
    viewport: { width: 360, height: 640 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  });
  try {
    await page.goto(`${server.origin}/letters/${letter.slug}?lang=kk`);
    await page.getByRole('link', { name: /жария қол қоюшыны көру/ }).click();
    await page.waitForURL(/\/signatories/);
    expect(await overflowsHorizontally(page)).toBe(false);
    await evidence.check(page, 'list-phone');
    await page.getByLabel(kk('signatories.search')).fill('касымкызы');
    await page.getByRole('button', { name: kk('signatories.apply') }).click();
    await page.waitForURL(/q=/);
    const rows = page.locator('ol.signatories-list li');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Айгерім Қасымқызы');
    await evidence.check(page, 'search-phone');
  } finally {
    await page.context().close();
  }
});

test('without JavaScript, a reader pages through the whole list, every public name once', async () => {
  const page = await newPage({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const noScript = new Evidence('signatories-noscript', browser);
  try {
    await page.goto(`${server.origin}/letters/${letter.slug}/signatories`);
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      seen.push(...(await page.locator('ol.signatories-list li').allTextContents()).map((s) => s.trim()));
      const next = page.locator('a[rel="next"]');
      if (!(await next.count())) break;
      await next.click();
      await page.waitForLoadState();
    }
    await noScript.check(page, 'last-page');
    // 108 public signers and the one from Iceland; the private ones never appear.
    expect(seen).toHaveLength(109);
    expect(new Set(seen).size).toBe(109);
    expect(seen.some((s) => s.includes('Signer Number 009'))).toBe(false);
    await page.getByRole('link', { name: en('signatories.previous') }).click();
    await page.waitForLoadState();
    expect(await page.locator('ol.signatories-list li').count()).toBe(50);
  } finally {
    await page.context().close();
  }
});

test('on a phone without JavaScript, a reader searches a Cyrillic name and pages through the matches by name; axe finds nothing', async () => {
  const page = await newPage({
    locale: 'uk-UA',
    viewport: { width: 360, height: 640 },
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
  });
  const noScript = new Evidence('signatories-phone-noscript', browser);
  try {
    await page.goto(`${server.origin}/letters/${cyrillic.slug}/signatories?order=name&lang=uk`);
    expect(await overflowsHorizontally(page)).toBe(false);
    // Typed in lower case, without the Ukrainian і: the search folds both.
    await page.getByLabel(uk('signatories.search')).fill('ирина бонд');
    await page.getByRole('button', { name: uk('signatories.apply') }).click();
    await page.waitForURL(/q=/);
    expect(new URL(page.url()).searchParams.get('order')).toBe('name');
    await noScript.check(page, 'search-page-1');
    const first = (await page.locator('ol.signatories-list li').allTextContents()).map((x) => x.trim());
    expect(first).toHaveLength(50);
    await page.getByRole('link', { name: uk('signatories.next') }).click();
    await page.waitForLoadState();
    expect(await overflowsHorizontally(page)).toBe(false);
    await noScript.check(page, 'search-page-2');
    const second = (await page.locator('ol.signatories-list li').allTextContents()).map((x) => x.trim());
    expect(second).toHaveLength(10);
    expect(await page.locator('a[rel="next"]').count()).toBe(0);
    // Every Ірина once, in the order of their names, and nobody else.
    const names = [...first, ...second].map((x) => /Ірина Бондаренко \d\d/.exec(x)?.[0]);
    const expected = Array.from({ length: 90 }, (_, i) => i)
      .filter((i) => i % 3 !== 2)
      .map((i) => `Ірина Бондаренко ${String(i).padStart(2, '0')}`);
    expect(names).toEqual(expected);
  } finally {
    await page.context().close();
  }
});

test('the integrity report shows the map with its table, small countries as "fewer than 5", and passes axe', async () => {
  const page = await newPage({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${server.origin}/letters/${letter.slug}/integrity`);
    const iceland = page.locator('svg.support-map path[aria-label^="Iceland"]');
    expect(await iceland.getAttribute('aria-label')).toBe('Iceland: fewer than 5');
    expect(await page.locator('svg.support-map path[aria-label^="Kazakhstan"]').getAttribute('aria-label')).toMatch(
      /^Kazakhstan: \d+ signatures$/,
    );
    await evidence.check(page, 'integrity-map');
    await page.goto(`${server.origin}/letters/${letter.slug}`);
    await evidence.check(page, 'letter-page-map');
  } finally {
    await page.context().close();
  }
});
