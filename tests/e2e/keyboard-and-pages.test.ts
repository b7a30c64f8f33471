import type { Browser, Page } from 'playwright-core';
import { seedLetters } from '../../src/core/letters/seed-letters';
import { anEmail } from '../support/factories';
import type { TestApp } from '../support/test-app';
import { Evidence, text, newDesktopPage, startSeededE2e, stopE2e, type E2eServer } from './support';

const LETTER = seedLetters.find((l) => l.slug === 'birthday-greeting-mukhtar-ablyazov')!;
const en = text('en');

let t: TestApp;
let server: E2eServer;
let browser: Browser;
const evidence = new Evidence('keyboard');

beforeAll(async () => ({ t, server, browser } = await startSeededE2e()));
afterAll(() => stopE2e({ t, server, browser }));

/** The id of the element that has keyboard focus (null when nothing or an element without id has it). */
async function focusedId(page: Page): Promise<string | null> {
  const el = page.locator(':focus');
  return (await el.count()) ? el.getAttribute('id') : null;
}

/** Presses Tab until the element with this id has focus; returns how many presses it took. */
async function tabTo(page: Page, id: string, limit: number): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    if ((await focusedId(page)) === id) return presses;
  }
  throw new Error(`#${id} not reached in ${limit} presses of Tab`);
}

describe('keyboard and the remaining pages', () => {
  test('a keyboard-only signer tabs from the top of the letter page to the form, fills it and submits with Enter', async () => {
    const page = await newDesktopPage(browser);
    try {
      await page.goto(`${server.origin}/letters/${LETTER.slug}`);
      // The first Tab lands on the skip link, which becomes visible and has a visible focus ring.
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: en('nav.skip') });
      expect(await page.locator(':focus').textContent()).toBe(en('nav.skip'));
      expect(await skip.isVisible()).toBe(true);
      await evidence.screenshot(page, 'skip-link-focused');

      // From the top, Tab reaches the name field, in reading order, without a trap.
      const presses = await tabTo(page, 'fullName', 40);
      expect(presses).toBeGreaterThan(1);
      process.stdout.write(`Tab presses from the top of the letter page to the name field: ${presses}\n`);
      await page.keyboard.type('Айгерім Қасымқызы');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('email');
      const email = anEmail('e2e-keyboard');
      await page.keyboard.type(email);
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('country');
      // A closed <select> picks an option by typing its first letters.
      await page.keyboard.type('Kazakh');
      expect(await page.getByLabel(en('form.country'), { exact: true }).inputValue()).toBe('KZ');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('city');
      await page.keyboard.type('Алматы');
      await evidence.screenshot(page, 'form-filled-by-keyboard');
      // Enter in a text field submits the form.
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: en('checkEmail.heading') }).waitFor();
      await t.smtp.waitFor(email);
      await evidence.screenshot(page, 'submitted-by-keyboard');
    } finally {
      await page.context().close();
    }
  });

  test('a link focused from the keyboard shows a visible outline', async () => {
    const page = await newDesktopPage(browser);
    try {
      await page.goto(`${server.origin}/`);
      await page.keyboard.press('Tab'); // skip link
      await page.keyboard.press('Tab'); // the site name, a link home
      // Evaluated as a string in the page: the project compiles without the DOM library.
      const style = await page.evaluate<{ tag: string; outlineStyle: string; outlineWidth: string }>(
        `(() => { const el = document.activeElement; const s = getComputedStyle(el);
          return { tag: el.tagName, outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth }; })()`,
      );
      expect(style.tag).toBe('A');
      expect(style.outlineStyle).not.toBe('none');
      expect(parseFloat(style.outlineWidth)).toBeGreaterThanOrEqual(2);
      await evidence.screenshot(page, 'focus-ring-on-link');
    } finally {
      await page.context().close();
    }
  });

  test('the embeddable widget, the public verification page and the integrity report answer 200 and pass axe', async () => {
    // The widget is seen inside its iframe, at the size the embed snippet gives it.
    const pages = [
      { path: `/letters/${LETTER.slug}/embed`, viewport: { width: 420, height: 260 } },
      { path: '/verify', viewport: { width: 1280, height: 900 } },
      { path: `/letters/${LETTER.slug}/integrity`, viewport: { width: 360, height: 640 } },
    ];
    const page = await newDesktopPage(browser);
    try {
      for (const { path, viewport } of pages) {
        // A route that stopped answering is a failure, not a page to skip.
        const res = await fetch(`${server.origin}${path}`);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        await page.setViewportSize(viewport);
        await page.goto(`${server.origin}${path}`);
        await evidence.check(page, path.split('/').pop()!);
      }
    } finally {
      await page.context().close();
    }
  });

  test('the pages in Kazakh answer 200, say they are in Kazakh and pass axe', async () => {
    const kk = text('kk');
    const context = await browser.newContext({ locale: 'kk-KZ', viewport: { width: 360, height: 640 } });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    try {
      for (const path of ['/', `/letters/${LETTER.slug}`, `/letters/${LETTER.slug}/integrity`, '/verify', '/login']) {
        // The browser's own language picks Kazakh: no ?lang= on the address.
        const res = await page.goto(`${server.origin}${path}`);
        expect({ path, status: res?.status() }).toEqual({ path, status: 200 });
        expect(await page.getAttribute('html', 'lang')).toBe('kk');
        expect(await page.getByRole('link', { name: kk('nav.skip') }).count()).toBe(1);
        await evidence.check(page, `kk-${path.split('/').pop() || 'home'}`);
      }
    } finally {
      await context.close();
    }
  });
});
