import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import type { Express } from 'express';
import type { Language } from '../../src/core/letters/letter.entity';
import { tFor } from '../../src/platform/web/i18n';
import { seed } from '../../src/core/letters/seed';
import { linkFrom, type SmtpSink } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';

/** Debian's Chromium: the suite never downloads a browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Serves the in-process app on a real loopback port, so a real browser can reach it. */
export async function listen(app: Express): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeRecord {
  step: string;
  path: string;
  violations: number;
  passes: number;
  details: Array<{ id: string; impact: string | null | undefined; help: string; targets: string[] }>;
}

/**
 * Screenshots and axe results for one test file. Screenshots go under the run's folder (printed
 * at the start of the run); the axe results are written next to them for the closing summary.
 */
export class Evidence {
  private readonly dir: string;
  private readonly records: AxeRecord[] = [];
  private shot = 0;
  private last = Date.now();

  /**
   * @param noScriptBrowser set when the pages under test have JavaScript turned off: axe-core cannot
   *   run in such a page (its timers never fire), so it checks a copy of the same DOM instead.
   */
  constructor(
    private readonly file: string,
    private readonly noScriptBrowser?: Browser,
  ) {
    this.dir = process.env.E2E_SCREENSHOT_DIR ?? path.resolve(__dirname, '../../screenshots/e2e-adhoc');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  async screenshot(page: Page, step: string): Promise<void> {
    this.shot += 1;
    const name = `${this.file}-${String(this.shot).padStart(2, '0')}-${step}.png`;
    await page.screenshot({ path: path.join(this.dir, name), fullPage: true });
  }

  /** Runs axe with the WCAG A/AA tags and returns the violations (the caller expects none). */
  async axe(page: Page, step: string): Promise<AxeRecord['details']> {
    const result = this.noScriptBrowser ? await analyzeCopy(this.noScriptBrowser, page) : await analyze(page);
    const details = result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
    this.records.push({
      step: `${this.file}/${step}`,
      path: new URL(page.url()).pathname
        .replace(/\/s\/(confirm|withdraw)\/[^/?]+/, '/s/$1/…')
        .replace(/^\/r\/[^/?]+/, '/r/…'),
      violations: details.length,
      passes: result.passes.length,
      details,
    });
    fs.writeFileSync(path.join(this.dir, `axe-${this.file}.json`), JSON.stringify(this.records, null, 2));
    return details;
  }

  /** Screenshot, then axe: every page a test visits goes through here. */
  async check(page: Page, step: string): Promise<void> {
    const t0 = Date.now();
    await this.screenshot(page, step);
    const t1 = Date.now();
    const violations = await this.axe(page, step);
    if (process.env.E2E_TRACE)
      process.stdout.write(
        `${this.file}/${step}: since last ${t0 - this.last} ms, screenshot ${t1 - t0} ms, axe ${Date.now() - t1} ms\n`,
      );
    this.last = Date.now();
    expect(violations).toEqual([]);
  }
}

function analyze(page: Page): Promise<AxeResults> {
  // resultTypes: passes are counted but not listed node by node, which saves time on long pages.
  // options() replaces any earlier runOnly, so it must come before withTags().
  return new AxeBuilder({ page })
    .options({ resultTypes: ['violations'] })
    .withTags(WCAG_TAGS)
    .analyze();
}

/**
 * Axe on the DOM a script-less page shows: the same URL is served from the captured HTML to a
 * page that may run axe, with the site's own scripts blocked so that the DOM stays as it was.
 */
async function analyzeCopy(browser: Browser, original: Page): Promise<AxeResults> {
  const html = await original.content();
  const url = original.url();
  const context = await browser.newContext({ viewport: original.viewportSize() ?? undefined });
  try {
    const page = await context.newPage();
    await page.route('**/*', (route) => {
      const req = route.request();
      if (req.isNavigationRequest() && req.url() === url) {
        return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      }
      if (req.resourceType() === 'script') return route.abort();
      return route.continue();
    });
    await page.goto(url);
    return await analyze(page);
  } finally {
    await context.close();
  }
}

/** The interface text a person reads, from the same catalogues the app renders. */
export function text(lang: Language) {
  return tFor(lang);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const MARK = 'NUMBERMARK';

/** "12 verified signatures" in any language and plural form → a pattern that captures the number. */
export function countPattern(lang: Language): RegExp {
  const t = tFor(lang);
  const forms = ['one', 'few', 'many', 'other']
    .map((form) => t(`letter.signatures_${form}`, { formatted: MARK, defaultValue: '' }))
    .filter((s) => s.includes(MARK))
    .map((s) => escapeRegExp(s).replace(MARK, '([\\d\\s\\u00a0\\u202f.,]+?)'));
  return new RegExp(`^\\s*(?:${forms.join('|')})\\s*$`);
}

/** The number in a count text, ignoring the locale's group separators. */
export function parseCount(s: string, lang: Language): number {
  const m = s.match(countPattern(lang));
  const digits = m?.slice(1).find((g) => g !== undefined);
  if (!digits) throw new Error(`no signature count in "${s}"`);
  return Number(digits.replace(/\D/g, ''));
}

/** True when the page is wider than the viewport (a phone would scroll sideways). */
export function overflowsHorizontally(page: Page): Promise<boolean> {
  // A string, evaluated in the page: the project compiles without the DOM library.
  return page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');
}

/** An emailed link, opened against the server under test (the emails name the configured BASE_URL). */
export function localLink(origin: string, link: string): string {
  const u = new URL(link);
  return `${origin}${u.pathname}${u.search}`;
}

/** A desktop page in a fresh context of its own (axe needs a page from newContext), in English. */
export async function newDesktopPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15000);
  return context.newPage();
}

/** An organiser signs in as people do: the address on /login, then the emailed link and its button. */
export async function signInInBrowser(page: Page, origin: string, smtp: SmtpSink, email: string): Promise<void> {
  const en = tFor('en');
  await page.goto(`${origin}/login`);
  await page.locator('#email').fill(email);
  await page.getByRole('button', { name: en('organisers.login.submit') }).click();
  const [signIn] = await smtp.waitFor(email);
  await page.goto(localLink(origin, linkFrom(signIn, '/login/')));
  await page.getByRole('button', { name: en('organisers.login.confirmButton') }).click();
  await page.waitForURL(/\/organise$/);
}

export type E2eServer = Awaited<ReturnType<typeof listen>>;

/** What a journey runs against: the app on the run's database (seeded with the sample letters), served over http, and Chromium. */
export async function startSeededE2e(): Promise<{ t: TestApp; server: E2eServer; browser: Browser }> {
  const t = await startTestApp();
  await seed(t.db);
  return { t, server: await listen(t.app), browser: await launchChromium() };
}

/** Closes what startSeededE2e started, whatever of it did start. */
export async function stopE2e(e: { t?: TestApp; server?: E2eServer; browser?: Browser }): Promise<void> {
  await e.browser?.close();
  await e.server?.close();
  await e.t?.close();
}
