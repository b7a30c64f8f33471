import type { Browser, Page } from 'playwright-core';
import { seedLetters } from '../../src/core/letters/seed-letters';
import { countryName } from '../../src/platform/web/i18n';
import { LANGUAGES } from '../../src/platform/web/languages';
import { anEmail } from '../support/factories';
import { linkFrom } from '../support/smtp-sink';
import type { TestApp } from '../support/test-app';
import {
  Evidence,
  countPattern,
  parseCount,
  text,
  localLink,
  startSeededE2e,
  stopE2e,
  type E2eServer,
} from './support';

const [BIRTHDAY, FRENCH] = ['birthday-greeting-mukhtar-ablyazov', 'letter-to-french-authorities'].map((slug) =>
  seedLetters.find((l) => l.slug === slug)!,
);
const en = text('en');

let t: TestApp;
let server: E2eServer;
let browser: Browser;

beforeAll(async () => ({ t, server, browser } = await startSeededE2e()));
afterAll(() => stopE2e({ t, server, browser }));

/** The link in an email points at the public BASE_URL; the browser opens the same path on the test server. */

function h1(page: Page, name: string) {
  return page.getByRole('heading', { level: 1, name });
}

async function letterCount(page: Page, slug: string): Promise<number> {
  await page.goto(`${server.origin}/letters/${slug}?lang=en`);
  const heading = page.getByRole('heading', { level: 2, name: countPattern('en') });
  return parseCount(await heading.innerText(), 'en');
}

async function recentSigners(page: Page, slug: string): Promise<string> {
  await page.goto(`${server.origin}/letters/${slug}?lang=en`);
  return page.getByRole('region', { name: en('letter.recentSigners') }).innerText();
}

/** The newest email to the address whose text holds `path`, after `seen` such emails. */
async function newestMailWith(email: string, path: string, seen: number) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const mails = t.smtp.to(email).filter((m) => m.text.includes(path));
    if (mails.length > seen) return mails[mails.length - 1];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no email with ${path}`);
}

async function signAndConfirm(page: Page, slug: string, name: string, email: string): Promise<void> {
  const seen = t.smtp.to(email).filter((m) => m.text.includes('/s/confirm/')).length;
  await page.goto(`${server.origin}/letters/${slug}?lang=en`);
  await page.getByLabel(en('form.fullName'), { exact: true }).fill(name);
  await page.getByLabel(en('form.email'), { exact: true }).fill(email);
  await page.getByLabel(en('form.country'), { exact: true }).selectOption({ label: countryName('UA', 'en') });
  await page.getByRole('radio', { name: en('form.visibilityOptions.public') }).check();
  await page.getByRole('button', { name: en('form.submit') }).click();
  await h1(page, en('checkEmail.heading')).waitFor();
  const mail = await newestMailWith(email, '/s/confirm/', seen);
  // Every email to a signer offers the page of all their signatures.
  expect(mail.text).toContain('/my-signatures?lang=en');
  await page.goto(localLink(server.origin, linkFrom(mail, '/s/confirm/')));
  await page.getByRole('button', { name: en('signatures.confirmPage.confirmButton') }).click();
  await h1(page, en('confirmed.heading')).waitFor();
}

/** Asks for the link on /my-signatures in the page's language; answers the emailed link. */
async function askForLink(
  page: Page,
  email: string,
  lang: (typeof LANGUAGES)[number],
  evidence?: Evidence,
): Promise<string> {
  const tl = text(lang);
  const seen = t.smtp.to(email).filter((m) => m.text.includes('/my-signatures/')).length;
  await page.goto(`${server.origin}/my-signatures?lang=${lang}`);
  await h1(page, tl('mySignatures.request.heading')).waitFor();
  if (evidence) await evidence.check(page, `request-${lang}`);
  await page.getByLabel(tl('form.email'), { exact: true }).fill(email);
  await page.getByRole('button', { name: tl('mySignatures.request.submit') }).click();
  await page.getByRole('status').waitFor();
  if (evidence) await evidence.check(page, `sent-${lang}`);
  const mail = await newestMailWith(email, '/my-signatures/', seen);
  expect(mail.subject).toBe(tl('mySignatures.email.subject'));
  return localLink(server.origin, linkFrom(mail, '/my-signatures/'));
}

function sectionOf(page: Page, slug: string) {
  return page.locator('section.my-signature').filter({ has: page.locator(`a[href^="/letters/${slug}?"]`) });
}

describe('my signatures in a real browser', () => {
  test('a signer of both seed letters makes one signature private and withdraws the other, from one emailed link', async () => {
    const evidence = new Evidence('my-signatures');
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    const email = anEmail('e2e-mysig');
    const name = 'Аружан Серікқызы';
    try {
      const before = { birthday: await letterCount(page, BIRTHDAY.slug), french: await letterCount(page, FRENCH.slug) };
      await signAndConfirm(page, BIRTHDAY.slug, name, email);
      await signAndConfirm(page, FRENCH.slug, name, email);
      expect(await letterCount(page, BIRTHDAY.slug)).toBe(before.birthday + 1);
      expect(await letterCount(page, FRENCH.slug)).toBe(before.french + 1);
      expect(await recentSigners(page, BIRTHDAY.slug)).toContain(name);
      expect(await recentSigners(page, FRENCH.slug)).toContain(name);

      // From the letter page's "manage" area to the request page.
      await page.goto(`${server.origin}/letters/${BIRTHDAY.slug}?lang=en`);
      await page.getByRole('link', { name: en('mySignatures.letterLink') }).click();
      await h1(page, en('mySignatures.request.heading')).waitFor();
      const link = await askForLink(page, email, 'en', evidence);

      // The link opens a page with one button: a mail scanner opening it changes nothing.
      expect((await fetch(link)).status).toBe(200);
      await page.goto(link);
      await h1(page, en('mySignatures.open.heading')).waitFor();
      await evidence.check(page, 'open');
      await page.getByRole('button', { name: en('mySignatures.open.button') }).click();
      await h1(page, en('mySignatures.list.heading')).waitFor();
      await expect(page.locator('section.my-signature').count()).resolves.toBe(2);
      await evidence.check(page, 'list');

      // The birthday signature: the name becomes private.
      const birthday = sectionOf(page, BIRTHDAY.slug);
      await birthday.getByRole('radio', { name: en('form.visibilityOptions.private') }).check();
      await birthday.getByRole('button', { name: en('mySignatures.list.saveVisibility') }).click();
      await page.getByRole('status').waitFor();
      expect(await page.getByRole('status').innerText()).toBe(en('mySignatures.list.saved'));
      expect(
        await sectionOf(page, BIRTHDAY.slug)
          .getByRole('radio', { name: en('form.visibilityOptions.private') })
          .isChecked(),
      ).toBe(true);

      // The French letter's signature: withdrawn, after a confirmation page.
      await sectionOf(page, FRENCH.slug)
        .getByRole('link', { name: en('mySignatures.list.withdraw') })
        .click();
      await h1(page, en('mySignatures.withdraw.heading')).waitFor();
      await evidence.check(page, 'withdraw');
      await page.getByRole('button', { name: en('mySignatures.withdraw.button') }).click();
      await h1(page, en('mySignatures.list.heading')).waitFor();
      expect(await page.getByRole('status').innerText()).toBe(en('mySignatures.list.withdrawn'));
      await expect(page.locator('section.my-signature').count()).resolves.toBe(1);
      await evidence.check(page, 'list-after');

      // The public pages: the birthday letter still counts the signature but no longer shows the
      // name; the French letter counts one fewer and shows it nowhere. (The page cache keeps a
      // letter page for at most a second.)
      await new Promise((r) => setTimeout(r, 1100));
      expect(await letterCount(page, BIRTHDAY.slug)).toBe(before.birthday + 1);
      expect(await recentSigners(page, BIRTHDAY.slug)).not.toContain(name);
      expect(await letterCount(page, FRENCH.slug)).toBe(before.french);
      expect(await recentSigners(page, FRENCH.slug)).not.toContain(name);

      // Another browser with the same link is told it was already used.
      const other = await browser.newContext({ locale: 'en-GB' });
      try {
        const stranger = await other.newPage();
        const res = await stranger.goto(link);
        expect(res?.status()).toBe(410);
        await h1(stranger, en('mySignatures.problem.used.title')).waitFor();
        await evidence.check(stranger, 'used-elsewhere');
      } finally {
        await other.close();
      }
    } catch (err) {
      await evidence.screenshot(page, 'FAILED').catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });

  test('the pages pass axe in every interface language', async () => {
    const evidence = new Evidence('my-signatures-languages');
    const email = anEmail('e2e-mysig-axe');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    try {
      await signAndConfirm(page, BIRTHDAY.slug, 'Dana Axe', email);
      for (const lang of LANGUAGES) {
        const tl = text(lang);
        const link = await askForLink(page, email, lang, evidence);
        await page.goto(link);
        await h1(page, tl('mySignatures.open.heading')).waitFor();
        await evidence.check(page, `open-${lang}`);
        await page.getByRole('button', { name: tl('mySignatures.open.button') }).click();
        await h1(page, tl('mySignatures.list.heading')).waitFor();
        await evidence.check(page, `list-${lang}`);
        await page.getByRole('link', { name: tl('mySignatures.list.withdraw') }).click();
        await h1(page, tl('mySignatures.withdraw.heading')).waitFor();
        await evidence.check(page, `withdraw-${lang}`);
        const other = await browser.newContext();
        try {
          const stranger = await other.newPage();
          expect((await stranger.goto(`${link}?lang=${lang}`))?.status()).toBe(410);
          await h1(stranger, tl('mySignatures.problem.used.title')).waitFor();
          await evidence.check(stranger, `used-${lang}`);
          const unknown = await stranger.goto(`${server.origin}/my-signatures/${'A'.repeat(43)}?lang=${lang}`);
          expect(unknown?.status()).toBe(404);
          await evidence.check(stranger, `unknown-${lang}`);
        } finally {
          await other.close();
        }
      }
    } catch (err) {
      await evidence.screenshot(page, 'FAILED').catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  });
});
