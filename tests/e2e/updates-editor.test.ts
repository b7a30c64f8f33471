import type { Browser } from 'playwright-core';
import { LetterTranslation } from '../../src/core/letters/letter-translation.entity';
import { LetterUpdate } from '../../src/features/updates/letter-update.entity';
import { aSignature, anEmail } from '../support/factories';
import { anOrganiser, aLetterOf } from '../support/organisers';
import { useTestApp } from '../support/test-app';
import { Evidence, launchChromium, listen, text, newDesktopPage, signInInBrowser } from './support';

const en = text('en');

let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
const evidence = new Evidence('updates-editor');

const t = useTestApp();
beforeAll(async () => {
  server = await listen(t.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the updates editor in a browser', () => {
  test('an owner writes an update in two of three languages for one country, checks the recipients, schedules it and cancels it; every page passes axe', async () => {
    const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Free the reporters' });
    for (const language of ['fr', 'uk'] as const)
      await t.db.getRepository(LetterTranslation).save({
        letterId: letter.id,
        language,
        title: `Free the reporters (${language})`,
        summary: 's',
        body: 'b',
        recipient: 'r',
      });
    for (const [language, country] of [
      ['en', 'FR'],
      ['fr', 'FR'],
      ['fr', 'FR'],
      ['uk', 'FR'],
      ['uk', 'UA'],
    ] as const)
      await aSignature(t.db, letter, { email: anEmail('e2e-updates'), wantsUpdates: true, language, country });

    const page = await newDesktopPage(browser);
    await signInInBrowser(page, server.origin, t.smtp, owner.email);
    await page.goto(`${server.origin}/organise/letters/${letter.slug}/updates`);
    await page.getByRole('heading', { level: 1, name: en('updates.organise.heading') }).waitFor();
    await evidence.check(page, 'editor');

    // A French subject without its text: the error is beside the field.
    await page.locator('#subject_en').fill('The letter is delivered');
    await page.locator('#body_en').fill('We handed it to the **ministry** today.');
    await page.locator('#subject_fr').fill('La lettre est remise');
    await page.getByRole('button', { name: en('updates.organise.preview') }).click();
    await page.locator('#body_fr-error').waitFor();
    await evidence.check(page, 'editor-error');

    await page.locator('#body_fr').fill('Nous l’avons remise au **ministère** aujourd’hui.');
    await page.getByRole('checkbox', { name: /France/ }).check();
    await page.getByLabel(en('updates.schedule.later')).check();
    const at = new Date(Date.now() + 2 * 86_400_000);
    at.setUTCHours(9, 30, 0, 0);
    await page.getByLabel(en('updates.schedule.at')).fill(at.toISOString().slice(0, 16));
    await page.getByRole('button', { name: en('updates.organise.preview') }).click();
    await page.getByRole('heading', { level: 1, name: en('updates.preview.heading') }).waitFor();
    await page.getByText(en('updates.preview.reaches', { formatted: '4' }), { exact: true }).waitFor();
    await page
      .getByText(
        en('updates.preview.missing', {
          language: en('languages.uk'),
          formatted: '1',
          fallback: en('languages.en'),
        }),
      )
      .waitFor();
    await evidence.check(page, 'preview');

    await page.getByRole('button', { name: en('updates.preview.schedule', { formatted: '4' }) }).click();
    await page.getByText(en('updates.organise.scheduled')).waitFor();
    await evidence.check(page, 'scheduled');
    const update = await t.db.getRepository(LetterUpdate).findOneByOrFail({ letterId: letter.id });
    expect(update.sendAt.toISOString()).toBe(at.toISOString());
    expect(update.segmentCountries).toEqual(['FR']);

    await page
      .getByRole('button', { name: new RegExp(`^${en('updates.organise.cancel')}\\s*: The letter is delivered$`) })
      .click();
    await page.getByText(en('updates.organise.cancelled')).waitFor();
    await evidence.check(page, 'cancelled');
    expect((await t.db.getRepository(LetterUpdate).findOneByOrFail({ id: update.id })).cancelledAt).not.toBeNull();
  });
});
