import fs from 'node:fs';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { LANGUAGES } from '../../src/platform/web/languages';
import { aSignature } from '../support/factories';
import { aLetterOf, anOrganiser } from '../support/organisers';
import { aPdf } from '../support/pdf';
import { useTestApp } from '../support/test-app';
import { Evidence, launchChromium, text, localLink, newDesktopPage, signInInBrowser } from './support';

const en = text('en');
const PDF = aPdf(256);

let server: Server;
let origin: string;
let browser: Browser;
const evidence = new Evidence('recipient');

/** The app on the first free port of this suite's range (4100–4199). */
async function listenInRange(first = 4100, last = 4199): Promise<void> {
  for (let port = first; port <= last; port++) {
    const s = await new Promise<Server | null>((resolve) => {
      const candidate = t.app.listen(port, '127.0.0.1');
      candidate.once('listening', () => resolve(candidate));
      candidate.once('error', () => resolve(null));
    });
    if (s) {
      server = s;
      origin = `http://127.0.0.1:${port}`;
      return;
    }
  }
  throw new Error('no free port in range');
}

const t = useTestApp();
beforeAll(async () => {
  await listenInRange();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });
});

describe("the recipient's page", () => {
  test('an owner records the delivery and makes a link; the addressee opens it in a fresh browser, downloads the PDF, answers; an owner publishes the answer, and it shows on the letter page', async () => {
    const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Free the prisoners of conscience' });
    await aSignature(t.db, letter, { fullName: 'Айгерім Қасымқызы', visibility: 'private', country: 'KZ' });
    await aSignature(t.db, letter, { fullName: 'Jeanne Public', visibility: 'public', country: 'FR' });
    const optedIn = await aSignature(t.db, letter, {
      fullName: 'Opted In',
      visibility: 'initials',
      wantsUpdates: true,
    });

    // The owner signs in by emailed link and records the delivery on the dashboard.
    const page = await newDesktopPage(browser);
    await signInInBrowser(page, origin, t.smtp, owner.email);
    await page.goto(`${origin}/organise/letters/${letter.slug}`);
    await page.locator('#deliveredAt').fill(new Date().toISOString().slice(0, 10));
    await page.locator('#deliveredTo').fill('The Ministry of Justice');
    await page.getByRole('button', { name: en('organisers.delivery.save') }).click();
    await page.waitForURL(/done=delivery/);

    // The delivery area offers recipient links; the owner makes one and copies it.
    await page.getByRole('link', { name: en('recipients.panel.manage') }).click();
    await page.getByLabel(en('recipients.organise.name')).fill('Jean Ministre');
    await page.getByLabel(new RegExp(en('recipients.organise.role'))).fill('Minister of Justice');
    await page.getByRole('button', { name: en('recipients.organise.create') }).click();
    const url = await page.locator('#created-url').inputValue();
    expect(url).toMatch(/\/r\/[A-Za-z0-9_-]{43}$/);
    await evidence.check(page, 'link-created');

    // The addressee, in a browser of their own, reads the list with the private name.
    const recipient = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    recipient.setDefaultTimeout(15000);
    const r = await recipient.newPage();
    await r.goto(localLink(origin, url));
    await r.getByRole('heading', { level: 1, name: en('recipients.page.heading') }).waitFor();
    expect(await r.locator('.delivered-list').innerText()).toContain('Айгерім Қасымқызы');
    expect(await r.locator('.delivered-list').innerText()).toContain('O. I.');
    await evidence.check(r, 'recipient-page');

    // The PDF delivery pack downloads.
    const [download] = await Promise.all([
      r.waitForEvent('download'),
      r.getByRole('link', { name: en('recipients.page.downloadPdf') }).click(),
    ]);
    const file = await download.path();
    expect(fs.readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(download.suggestedFilename()).toMatch(
      new RegExp(`^${letter.slug}-\\d{4}-\\d{2}-\\d{2}-[0-9a-f-]{36}\\.pdf$`),
    );

    // The addressee answers, with a PDF.
    await r.getByLabel(en('recipients.page.responseText')).fill('The ministry will review every case.');
    await r
      .getByLabel(new RegExp(en('recipients.page.attachment')))
      .setInputFiles({ name: 'answer.pdf', mimeType: 'application/pdf', buffer: PDF });
    await r.getByRole('button', { name: en('recipients.page.responseSubmit') }).click();
    await r.locator('#posted').waitFor();
    await evidence.check(r, 'response-posted');

    // The recipient page passes axe in every interface language.
    for (const lang of LANGUAGES) {
      await r.goto(`${localLink(origin, url)}?lang=${lang}`);
      await r.getByRole('heading', { level: 1, name: text(lang)('recipients.page.heading') }).waitFor();
      await evidence.check(r, `recipient-page-${lang}`);
    }
    await recipient.close();

    // The answer waits for the owners: the letter page shows nothing yet, and nobody is mailed.
    const reader = await newDesktopPage(browser);
    await reader.goto(`${origin}/letters/${letter.slug}?lang=en`);
    expect(await reader.locator('.official-response').count()).toBe(0);
    expect(t.smtp.to(optedIn.email!)).toHaveLength(0);

    // An owner reads it in the delivery area of the dashboard, gives it a title and publishes it.
    await page.goto(`${origin}/organise/letters/${letter.slug}`);
    const held = page.locator('.link-response');
    expect(await held.innerText()).toContain('The ministry will review every case.');
    await held.getByLabel(new RegExp(en('recipients.review.title'))).fill('Answer of the Ministry of Justice');
    await evidence.check(page, 'response-held');
    await held.getByRole('button', { name: /^Publish and email/ }).click();
    await page.waitForURL(/#recipient-links$/);

    // The letter page shows the answer, marked as received through the link, with its document.
    await reader.goto(`${origin}/letters/${letter.slug}?lang=en`);
    const response = reader.locator('.official-response');
    await response.waitFor();
    expect(await response.innerText()).toContain('The ministry will review every case.');
    expect(await response.getByRole('heading', { level: 3 }).innerText()).toContain(
      'Answer of the Ministry of Justice',
    );
    expect(await response.locator('.received-via').innerText()).toMatch(
      /^Response received through the recipient's link on .+\.$/,
    );
    expect(await response.getByRole('link', { name: /Download the attached document/ }).count()).toBe(1);
    expect(await reader.locator('body').innerText()).not.toContain('Айгерім Қасымқызы');
    await evidence.check(reader, 'letter-with-response');

    // The owners see the views and the download.
    await page.goto(`${origin}/organise/letters/${letter.slug}/recipients`);
    expect(await page.locator('.link-activity').innerText()).toContain(
      'Jean Ministre downloaded the PDF delivery pack',
    );
    await evidence.check(page, 'owners-activity');

    // The signer who asked for news receives it.
    const mails = await t.smtp.waitFor(optedIn.email!, 1, 30000);
    expect(mails.some((m) => m.text.includes('The ministry will review every case.'))).toBe(true);
  });
});
