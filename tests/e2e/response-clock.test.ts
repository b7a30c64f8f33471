import type { Browser } from 'playwright-core';
import { aSignature } from '../support/factories';
import { aLetterOf, anOrganiser } from '../support/organisers';
import { useTestApp } from '../support/test-app';
import {
  Evidence,
  launchChromium,
  listen,
  localLink,
  newDesktopPage,
  signInInBrowser,
  text,
  type E2eServer,
} from './support';

const en = text('en');
const evidence = new Evidence('response-clock');
const day = (d: Date) => d.toISOString().slice(0, 10);

let server: E2eServer;
let browser: Browser;
const t = useTestApp();
beforeAll(async () => {
  server = await listen(t.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the response clock', () => {
  test('an owner records a delivery with a response date; the addressee answers through the link; the owner publishes it; the letter page and /responses show it', async () => {
    const origin = server.origin;
    const owner = await anOrganiser(t.db, { name: 'Clock Owner' });
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'Reopen the village school' });
    await aSignature(t.db, letter, { fullName: 'Marie Public', visibility: 'public', country: 'FR' });
    const today = new Date();
    const due = day(new Date(today.getTime() + 21 * 86_400_000));

    // The owner records the delivery with a date for the response and reminders on.
    const page = await newDesktopPage(browser);
    await signInInBrowser(page, origin, t.smtp, owner.email);
    await page.goto(`${origin}/organise/letters/${letter.slug}`);
    // Before the delivery the owners may turn on progress messages to the addressees (off by default).
    expect(await page.locator('#progress-on').isChecked()).toBe(false);
    await evidence.check(page, 'delivery-panel-before');
    await page.locator('#deliveredAt').fill(day(today));
    await page.locator('#deliveredTo').fill('The Mayor of Saint-Martin');
    await page.locator('#responseDueOn').fill(due);
    await page.getByLabel(en('responseClock.form.reminders')).check();
    await page.getByRole('button', { name: en('organisers.delivery.save') }).click();
    await page.waitForURL(/done=delivery/);
    await page.locator('#response-clock-fields').waitFor();
    expect(await page.locator('#responseDueOn').inputValue()).toBe(due);
    await evidence.check(page, 'delivery-panel');

    // The letter page: awaiting, with the date written out.
    const reader = await newDesktopPage(browser);
    await reader.goto(`${origin}/letters/${letter.slug}?lang=en`);
    const dueLong = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${due}T00:00:00Z`),
    );
    expect(await reader.locator('#response-clock').innerText()).toContain(dueLong);
    expect(await reader.locator('#response-clock').innerText()).toContain(en('responseClock.state.awaiting'));

    // A recipient link for the mayor.
    await page.getByRole('link', { name: en('recipients.panel.manage') }).click();
    await page.getByLabel(en('recipients.organise.name')).fill('Jean Maire');
    await page.getByRole('button', { name: en('recipients.organise.create') }).click();
    const url = await page.locator('#created-url').inputValue();

    // The addressee answers in a browser of their own: accepted.
    const recipient = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    recipient.setDefaultTimeout(15000);
    const r = await recipient.newPage();
    await r.goto(localLink(origin, url));
    await r.getByRole('radio', { name: en('responseClock.kind.accepted'), exact: true }).check();
    await r.getByLabel(en('recipients.page.responseText')).fill('The school reopens in September.');
    await r.getByRole('button', { name: en('recipients.page.responseSubmit') }).click();
    await r.locator('#posted').waitFor();
    await evidence.check(r, 'answer-posted');
    await recipient.close();

    // Held: still awaiting on the letter page.
    await reader.goto(`${origin}/letters/${letter.slug}?lang=en`);
    expect(await reader.locator('#response-clock').innerText()).toContain(en('responseClock.state.awaiting'));

    // The owner publishes it from the delivery area.
    await page.goto(`${origin}/organise/letters/${letter.slug}`);
    await page
      .locator('.link-response')
      .getByRole('button', { name: /^Publish and email/ })
      .click();
    await page.waitForURL(/#recipient-links$/);

    // The letter page and its story show the answer; so does /responses.
    await reader.goto(`${origin}/letters/${letter.slug}?lang=en`);
    const clock = await reader.locator('#response-clock').innerText();
    expect(clock).toContain(en('responseClock.state.answered'));
    expect(clock).toContain(en('responseClock.kind.accepted'));
    expect(await reader.locator('#story').innerText()).toContain(en('responseClock.kind.accepted'));
    await evidence.check(reader, 'letter-answered');

    await reader.getByRole('link', { name: /^The whole story/ }).click();
    await reader.getByRole('heading', { level: 1, name: en('responseClock.timeline.heading') }).waitFor();
    expect(await reader.locator('.timeline').innerText()).toContain(
      'The letter was delivered to The Mayor of Saint-Martin',
    );
    await evidence.check(reader, 'timeline');

    await reader.goto(`${origin}/responses?lang=en`);
    const answered = await reader.locator('#answered').innerText();
    expect(answered).toContain('Reopen the village school');
    expect(answered).toContain('The Mayor of Saint-Martin');
    expect(await reader.locator('#awaiting').innerText()).not.toContain('Reopen the village school');
    await evidence.check(reader, 'responses');

    for (const lang of ['fr', 'ru', 'uk', 'kk'] as const) {
      await reader.goto(`${origin}/responses?lang=${lang}`);
      await reader.getByRole('heading', { level: 1, name: text(lang)('responseClock.responses.heading') }).waitFor();
      await evidence.axe(reader, `responses-${lang}`).then((v) => expect(v).toEqual([]));
    }
  });
});
