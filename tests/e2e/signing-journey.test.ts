import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { seedLetters } from '../../src/core/letters/seed-letters';
import { countryName } from '../../src/platform/web/i18n';
import { anEmail } from '../support/factories';
import { linkFrom } from '../support/smtp-sink';
import type { TestApp } from '../support/test-app';
import {
  Evidence,
  countPattern,
  overflowsHorizontally,
  parseCount,
  text,
  localLink,
  startSeededE2e,
  stopE2e,
  type E2eServer,
} from './support';

const LETTER = seedLetters.find((l) => l.slug === 'birthday-greeting-mukhtar-ablyazov')!;
const TITLE_EN = LETTER.translations.find((t) => t.language === 'en')!.title;
const TITLE_UK = LETTER.translations.find((t) => t.language === 'uk')!.title;
const en = text('en');
const uk = text('uk');

let t: TestApp;
let server: E2eServer;
let browser: Browser;

beforeAll(async () => ({ t, server, browser } = await startSeededE2e()));
afterAll(() => stopE2e({ t, server, browser }));

interface Variant {
  name: string;
  context: BrowserContextOptions;
  touch: boolean;
}

const DESKTOP: Variant = { name: 'desktop', context: { viewport: { width: 1280, height: 900 } }, touch: false };
const PHONE: Variant = {
  name: 'phone',
  context: { viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  touch: true,
};
const NO_JS: Variant = {
  name: 'nojs',
  context: { viewport: { width: 1280, height: 900 }, javaScriptEnabled: false },
  touch: false,
};

/** A person taps on a phone and clicks elsewhere. */
function press(variant: Variant, target: Locator): Promise<void> {
  return variant.touch ? target.tap() : target.click();
}

function h1(page: Page, name: string | RegExp): Locator {
  return page.getByRole('heading', { level: 1, name });
}

async function letterCount(page: Page): Promise<number> {
  const heading = page.getByRole('heading', { level: 2, name: countPattern('uk') });
  return parseCount(await heading.innerText(), 'uk');
}

/** The link in an email points at the public BASE_URL; the browser opens the same path on the test server. */

async function signingJourney(variant: Variant): Promise<void> {
  const evidence = new Evidence(
    `journey-${variant.name}`,
    variant.context.javaScriptEnabled === false ? browser : undefined,
  );
  const context = await browser.newContext({ locale: 'en-GB', ...variant.context });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const email = anEmail(`e2e-${variant.name}`);
  try {
    // Home page, in English (the browser asks for English).
    await page.goto(`${server.origin}/`);
    await h1(page, en('home.heading')).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await evidence.check(page, 'home');
    if (variant.touch) expect(await overflowsHorizontally(page)).toBe(false);

    // Open the birthday letter from the list.
    await press(variant, page.getByRole('link', { name: TITLE_EN }));
    await h1(page, TITLE_EN).waitFor();
    await evidence.check(page, 'letter-en');

    // Switch the interface to Ukrainian with the language switcher.
    const switcher = page.getByRole('navigation', { name: en('nav.languages') });
    await press(variant, switcher.getByRole('link', { name: en('languages.uk', { lng: 'uk' }) }));
    await h1(page, TITLE_UK).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('uk');
    expect(
      await page
        .getByRole('navigation', { name: uk('nav.languages') })
        .getByRole('link', { name: uk('languages.uk') })
        .getAttribute('aria-current'),
    ).toBe('true');
    const before = await letterCount(page);
    await evidence.check(page, 'letter-uk');
    if (variant.touch) expect(await overflowsHorizontally(page)).toBe(false);

    // Fill the form, forget the country, submit.
    await page.getByLabel(uk('form.fullName'), { exact: true }).fill('Айгерім Қасымқызы');
    await page.getByLabel(uk('form.email'), { exact: true }).fill(email);
    await page.getByLabel(uk('form.city')).fill('Алматы');
    await page.getByRole('radio', { name: uk('form.visibilityOptions.public') }).check();
    await press(variant, page.getByRole('button', { name: uk('form.submit') }));

    // The error is announced: a role=alert summary, and the field is invalid and described by its message.
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain(uk('form.errors.summary'));
    const country = page.getByLabel(uk('form.country'), { exact: true });
    expect(await country.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await country.getAttribute('aria-describedby'))!.split(/\s+/);
    const messages = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).innerText()));
    expect(messages).toContain(uk('form.errors.countryRequired'));
    // What the person typed is kept.
    expect(await page.getByLabel(uk('form.fullName'), { exact: true }).inputValue()).toBe('Айгерім Қасымқызы');
    expect(await page.getByLabel(uk('form.email'), { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await evidence.check(page, 'letter-with-errors');
    if (variant.touch) expect(await overflowsHorizontally(page)).toBe(false);

    // Fix it and submit.
    await country.selectOption({ label: countryName('KZ', 'uk') });
    await press(variant, page.getByRole('button', { name: uk('form.submit') }));
    await h1(page, uk('checkEmail.heading')).waitFor();
    await evidence.check(page, 'check-email');

    // The confirmation email, read from the SMTP server. It carries no typed name: anyone can
    // send a name to any address through the form.
    const [mail] = await t.smtp.waitFor(email);
    expect(mail.text).not.toContain('Айгерім Қасымқызы');
    const confirmLink = localLink(server.origin, linkFrom(mail, '/s/confirm/'));

    // A mail scanner or a link preview opens the link first (GET and HEAD, no button pressed):
    // nothing is counted.
    expect((await fetch(confirmLink)).status).toBe(200);
    expect((await fetch(confirmLink, { method: 'HEAD' })).status).toBe(200);
    const other = await context.newPage();
    await other.goto(`${server.origin}/letters/${LETTER.slug}?lang=uk`);
    expect(await letterCount(other)).toBe(before);
    await other.close();

    // The person opens it: the page says what is being confirmed, and a button confirms.
    await page.goto(confirmLink);
    await h1(page, uk('signatures.confirmPage.heading')).waitFor();
    expect(await page.locator('main').innerText()).toContain('Айгерім Қасымқызы');
    expect(await page.getByRole('radio', { name: uk('form.visibilityOptions.public') }).isChecked()).toBe(true);
    await evidence.check(page, 'confirm-page');
    if (variant.touch) expect(await overflowsHorizontally(page)).toBe(false);
    await press(variant, page.getByRole('button', { name: uk('signatures.confirmPage.confirmButton') }));
    await h1(page, uk('confirmed.heading')).waitFor();
    const share = page.getByRole('region', { name: uk('share.heading') });
    await share.waitFor();
    expect(await share.getByRole('textbox').first().inputValue()).toContain(`/letters/${LETTER.slug}`);
    await evidence.check(page, 'confirmed');
    if (variant.touch) expect(await overflowsHorizontally(page)).toBe(false);

    // Back on the letter, the count has risen by one and the name is listed.
    await press(variant, page.getByRole('link', { name: uk('nav.backToLetter') }));
    await h1(page, TITLE_UK).waitFor();
    expect(await letterCount(page)).toBe(before + 1);
    expect(await page.getByRole('region', { name: uk('letter.recentSigners') }).innerText()).toContain(
      'Айгерім Қасымқызы',
    );
    await evidence.check(page, 'letter-after');

    // Later: ask for a link to manage the signature, and withdraw it from that email.
    await press(variant, page.getByRole('link', { name: uk('manage.link') }).first());
    await h1(page, uk('manage.heading')).waitFor();
    await evidence.check(page, 'manage');
    await page.getByLabel(uk('form.email'), { exact: true }).fill(email);
    await press(variant, page.getByRole('button', { name: uk('manage.submit') }));
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').innerText()).toBe(uk('manage.sent'));
    await evidence.check(page, 'manage-sent');

    const mails = await t.smtp.waitFor(email, 2);
    await page.goto(localLink(server.origin, linkFrom(mails[1], '/s/withdraw/')));
    await h1(page, uk('withdraw.heading')).waitFor();
    await evidence.check(page, 'withdraw-confirm');
    await press(variant, page.getByRole('button', { name: uk('withdraw.button') }));
    await h1(page, uk('withdraw.doneTitle')).waitFor();
    await evidence.check(page, 'withdraw-done');

    await press(variant, page.getByRole('link', { name: uk('nav.backToLetter') }));
    await h1(page, TITLE_UK).waitFor();
    expect(await letterCount(page)).toBe(before);

    // A page that does not exist.
    const missing = await page.goto(`${server.origin}/letters/no-such-letter`);
    expect(missing?.status()).toBe(404);
    await h1(page, uk('errors.notFound')).waitFor();
    await evidence.check(page, 'not-found');
  } catch (err) {
    await evidence.screenshot(page, 'FAILED').catch(() => undefined);
    throw err;
  } finally {
    await context.close();
  }
}

describe('signing a letter in a real browser', () => {
  test('a signer opens the letter, switches to Ukrainian, corrects a mistake, confirms by the button behind the emailed link, is counted, then withdraws', async () => {
    await signingJourney(DESKTOP);
  });

  test('the same journey works on a 360×640 touch phone without sideways scrolling', async () => {
    await signingJourney(PHONE);
  });

  test('the same journey works with JavaScript turned off', async () => {
    await signingJourney(NO_JS);
  });
});
