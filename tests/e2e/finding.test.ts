import type { Browser, Page } from 'playwright-core';
import { setAdmin } from '../../src/core/access';
import { seedLetters } from '../../src/core/letters/seed-letters';
import { aLetter } from '../support/factories';
import { anOrganiser } from '../support/organisers';
import type { TestApp } from '../support/test-app';
import {
  Evidence,
  overflowsHorizontally,
  signInInBrowser,
  startSeededE2e,
  stopE2e,
  text,
  type E2eServer,
} from './support';

const FRENCH = seedLetters.find((l) => l.slug === 'letter-to-french-authorities')!;
const FRENCH_EN = FRENCH.translations.find((v) => v.language === 'en')!.title;
const en = text('en');

let t: TestApp;
let server: E2eServer;
let browser: Browser;
const evidence = new Evidence('finding');

beforeAll(async () => ({ t, server, browser } = await startSeededE2e()));
afterAll(() => stopE2e({ t, server, browser }));

async function phonePage(): Promise<Page> {
  const context = await browser.newContext({
    locale: 'en-GB',
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  context.setDefaultTimeout(15000);
  return context.newPage();
}

test('on a phone, a reader finds a letter by searching the home page without its accents, and reports it', async () => {
  const page = await phonePage();
  try {
    await page.goto(`${server.origin}/`);
    await page.getByRole('heading', { level: 1, name: en('home.heading') }).waitFor();
    await evidence.check(page, 'home');
    expect(await overflowsHorizontally(page)).toBe(false);

    // The French title, typed without its accents, in capitals.
    await page.getByLabel(en('finding.search')).fill('AUTORITES FRANCAISES');
    await page.getByRole('button', { name: en('finding.apply') }).tap();
    await page.waitForURL(/\?q=AUTORITES/);
    const results = page.getByRole('list').filter({ has: page.getByRole('heading', { level: 3 }) });
    // The reader's language is English: the letter's English version is the one shown.
    expect(await results.getByRole('heading', { level: 3 }).allInnerTexts()).toEqual([FRENCH_EN]);
    await evidence.check(page, 'search-results');
    expect(await overflowsHorizontally(page)).toBe(false);

    await page.getByRole('link', { name: FRENCH_EN }).tap();
    await page.getByRole('heading', { level: 1, name: FRENCH_EN }).waitFor();
    await page.getByRole('link', { name: en('reports.link') }).tap();
    await page.getByRole('heading', { level: 1, name: en('reports.form.heading') }).waitFor();
    await evidence.check(page, 'report-form');
    expect(await overflowsHorizontally(page)).toBe(false);

    await page.getByLabel(en('reports.reasons.misleading')).tap();
    await page.getByLabel(en('reports.form.details')).fill('The date in the second paragraph is wrong.');
    await page.getByRole('button', { name: en('reports.form.submit') }).tap();
    await page
      .getByRole('status')
      .filter({ hasText: en('reports.form.sent') })
      .waitFor();
    await evidence.check(page, 'report-sent');
    const [row] = await t.db.query(
      `SELECT r.reason, r.details FROM letter_reports r JOIN letters l ON l.id = r.letter_id WHERE l.slug = $1`,
      [FRENCH.slug],
    );
    expect(row).toEqual({ reason: 'misleading', details: 'The date in the second paragraph is wrong.' });
  } finally {
    await page.context().close();
  }
});

test('the archive, the moderation record and the admins’ queue of reports pass axe', async () => {
  // A closed letter, delivered and answered, for the archive to show what came of it.
  const closed = await aLetter(t.db, { status: 'closed', title: 'Release the detained journalists' });
  await t.db.query(
    `UPDATE letters SET closes_at = now() - interval '20 days', delivered_at = now() - interval '10 days', delivered_to = 'The Minister' WHERE id = $1`,
    [closed.id],
  );
  await t.db.query(
    `INSERT INTO letter_responses (letter_id, responded_on, body, status, published_at) VALUES ($1, current_date, 'We will review the cases.', 'published', now())`,
    [closed.id],
  );
  for (const [decision, reason] of [
    ['approve', null],
    ['changes', null],
    ['reject', 'duplicate'],
  ])
    await t.db.query(`INSERT INTO letter_review_decisions (letter_id, decision, reason_key) VALUES ($1, $2, $3)`, [
      closed.id,
      decision,
      reason,
    ]);

  const page = await phonePage();
  try {
    await page.goto(`${server.origin}/archive`);
    await page.getByRole('link', { name: 'Release the detained journalists' }).waitFor();
    await evidence.check(page, 'archive');
    expect(await overflowsHorizontally(page)).toBe(false);

    await page.goto(`${server.origin}/moderation?lang=uk`);
    await page.getByRole('table').waitFor();
    await evidence.check(page, 'moderation-uk');
    expect(await overflowsHorizontally(page)).toBe(false);
  } finally {
    await page.context().close();
  }

  const admin = await anOrganiser(t.db, { name: 'Instance Admin' });
  await setAdmin(t.db, admin.email, true);
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  const desk = await context.newPage();
  try {
    await signInInBrowser(desk, server.origin, t.smtp, admin.email);
    await desk.goto(`${server.origin}/admin/reports`);
    await desk.getByRole('heading', { level: 1, name: en('reports.queue.heading') }).waitFor();
    await evidence.check(desk, 'admin-reports');
  } finally {
    await context.close();
  }
});
