import type { Browser } from 'playwright-core';
import { aSignature } from '../support/factories';
import { aLetterOf, anOrganiser } from '../support/organisers';
import { useTestApp } from '../support/test-app';
import { Evidence, launchChromium, listen, newDesktopPage, signInInBrowser, text, type E2eServer } from './support';

const en = text('en');
const t = useTestApp();
let server: E2eServer;
let browser: Browser;
const evidence = new Evidence('notable');

beforeAll(async () => {
  server = await listen(t.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('notable signatories and checked affiliations', () => {
  test('an owner features two signers and reorders them; the letter page and the list show them in that order, with the affiliation mark explained on focus', async () => {
    const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Free the prisoners of conscience' });
    const origin = server.origin;
    await aSignature(t.db, letter, { fullName: 'Mariam Petrosyan', visibility: 'public', country: 'AM' });
    await aSignature(t.db, letter, {
      fullName: 'Anna Field',
      visibility: 'public',
      signedAs: 'organisation',
      organisation: 'Amnesty International',
      email: 'press@amnesty-e2e.org',
      country: 'GB',
    });
    await aSignature(t.db, letter, { fullName: 'Hidden Person', visibility: 'private' });

    const page = await newDesktopPage(browser);
    await signInInBrowser(page, origin, t.smtp, owner.email);

    // The affiliation list: the organisation and its domain; earlier signatures are checked by a job.
    await page.goto(`${origin}/organise/letters/${letter.slug}/affiliations`);
    await page
      .getByRole('textbox', { name: en('signatories.affiliation.organisation'), exact: true })
      .fill('Amnesty International');
    await page
      .getByRole('textbox', { name: en('signatories.affiliation.domain'), exact: true })
      .fill('amnesty-e2e.org');
    await page.getByRole('button', { name: en('signatories.affiliation.add') }).click();
    await page
      .getByRole('status')
      .filter({ hasText: en('signatories.affiliation.added') })
      .waitFor();
    await evidence.check(page, 'affiliations');

    // Feature the writer, then the organisation, found by the search of the owners' page.
    await page.goto(`${origin}/organise/letters/${letter.slug}/notable`);
    for (const [q, line] of [
      ['petros', 'Novelist, author of The Gray House'],
      ['amnesty', 'Global human rights movement'],
    ]) {
      await page.getByLabel(en('signatories.notable.search')).fill(q);
      await page.getByRole('button', { name: en('signatories.apply') }).click();
      await page.locator('.feature-candidates').getByLabel(en('signatories.notable.description')).fill(line);
      await page
        .locator('.feature-candidates')
        .getByRole('button', { name: new RegExp(en('signatories.notable.feature')) })
        .click();
      await page.waitForURL(/\/notable$/);
    }
    expect(await page.locator('.feature-candidates').count()).toBe(0);
    // The organisation moves to the top.
    await page.getByRole('button', { name: `${en('signatories.notable.up')} Amnesty International` }).click();
    await page.waitForURL(/\/notable#featured-/);
    await evidence.check(page, 'owners-page');

    // The job has checked the earlier signatures by now, or will shortly.
    const reader = await newDesktopPage(browser);
    let marks = 0;
    for (const deadline = Date.now() + 15000; marks === 0 && Date.now() < deadline;) {
      await reader.goto(`${origin}/letters/${letter.slug}`);
      marks = await reader.locator('.featured-signatories details.affiliation-mark').count();
      if (!marks) await reader.waitForTimeout(200);
    }
    expect(marks).toBe(1);
    const names = await reader.locator('.featured-signatories .featured-name strong').allInnerTexts();
    expect(names).toEqual(['Amnesty International', 'Mariam Petrosyan']);
    expect(await reader.locator('body').innerText()).not.toContain('Hidden Person');
    expect(await reader.content()).not.toContain('amnesty-e2e.org');

    // The mark explains itself to a keyboard: focus its summary and open it.
    const summary = reader.locator('.featured-signatories details.affiliation-mark summary');
    await summary.focus();
    await reader.keyboard.press('Enter');
    await reader.locator('.featured-signatories .affiliation-explain').waitFor({ state: 'visible' });
    await evidence.check(reader, 'letter-page');

    await reader.goto(`${origin}/letters/${letter.slug}/signatories`);
    expect(await reader.locator('.featured-signatories .featured-name strong').allInnerTexts()).toEqual([
      'Amnesty International',
      'Mariam Petrosyan',
    ]);
    await evidence.check(reader, 'list-page');
  });

  test('an owner lets search engines index the list from the edit page: the list drops its noindex; axe on the edit page', async () => {
    const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
    const letter = await aLetterOf(t.db, owner, 'owner');
    const origin = server.origin;
    const page = await newDesktopPage(browser);
    await signInInBrowser(page, origin, t.smtp, owner.email);
    await page.goto(`${origin}/organise/letters/${letter.slug}/edit`);
    const box = page.getByRole('checkbox', { name: en('signatories.searchEngines.label') });
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await page.getByRole('button', { name: en('signatories.searchEngines.save') }).click();
    await page.waitForURL(/saved=1/);
    expect(await page.getByRole('checkbox', { name: en('signatories.searchEngines.label') }).isChecked()).toBe(false);
    await page.locator('#search-engines').scrollIntoViewIfNeeded();
    await evidence.check(page, 'edit-page');

    const reader = await newDesktopPage(browser);
    await reader.goto(`${origin}/letters/${letter.slug}/signatories`);
    expect(await reader.locator('meta[name="robots"]').count()).toBe(0);
  });
});
