import http from 'node:http';
import type { Browser } from 'playwright-core';
import { anOrganiser, aLetterOf } from '../support/organisers';
import { useTestApp } from '../support/test-app';
import { Evidence, launchChromium, listen, text, newDesktopPage, signInInBrowser } from './support';

const en = text('en');
/** A port of the test's range, for the receiver the webhook calls. */
const RECEIVER_PORT = 4420;

let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let receiver: http.Server;
const received: string[] = [];
const evidence = new Evidence('api-webhooks');

const t = useTestApp();
beforeAll(async () => {
  server = await listen(t.app);
  browser = await launchChromium();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(RECEIVER_PORT, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await browser?.close();
  await server?.close();
});

describe('API tokens and webhooks in a browser', () => {
  test('an owner creates a token and a webhook, sends a test event and reads the log; every page passes axe', async () => {
    const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
    const letter = await aLetterOf(t.db, owner, 'owner', { title: 'A letter with an API' });
    const page = await newDesktopPage(browser);
    await signInInBrowser(page, server.origin, t.smtp, owner.email);

    // From the dashboard to the API page.
    await page.goto(`${server.origin}/organise/letters/${letter.slug}`);
    await page.getByRole('link', { name: en('api.nav.link') }).click();
    await page.getByRole('heading', { level: 1, name: en('api.tokens.heading') }).waitFor();
    await evidence.check(page, 'tokens-empty');

    // A form error, then a token for delivery: shown once.
    await page.getByRole('button', { name: en('api.tokens.create') }).click();
    await page.getByText(en('api.errors.nameRequired')).waitFor();
    await evidence.check(page, 'tokens-error');
    await page.getByLabel(en('api.tokens.name'), { exact: true }).fill('Delivery robot');
    await page.getByLabel(en('api.tokens.forDeliveryLabel')).check();
    await page.getByRole('button', { name: en('api.tokens.create') }).click();
    const token = await page.getByLabel(en('api.tokens.copyNow')).inputValue();
    expect(token).toMatch(/^usk_/);
    await evidence.check(page, 'token-created');

    // The token reads the API (from the browser's own origin: no cookie needed, only the header).
    const status = await page.evaluate(
      async ([url, tok]) =>
        (await fetch(url, { headers: { Authorization: `Bearer ${tok}` }, credentials: 'omit' })).status,
      [`${server.origin}/api/v1/letters/${letter.slug}/signatures`, token] as const,
    );
    expect(status).toBe(200);

    // A webhook to the receiver; the secret is shown once; the test event arrives and is logged.
    await page.getByRole('link', { name: en('api.nav.webhooks') }).click();
    await page.getByRole('heading', { level: 1, name: en('webhooks.page.heading') }).waitFor();
    await evidence.check(page, 'webhooks-empty');
    await page.getByLabel(en('webhooks.page.url'), { exact: true }).fill(`http://127.0.0.1:${RECEIVER_PORT}/hook`);
    await page.getByRole('button', { name: en('webhooks.page.add') }).click();
    await page.getByText(en('webhooks.errors.eventsRequired')).first().waitFor();
    await evidence.check(page, 'webhook-error');
    await page.getByRole('checkbox', { name: new RegExp(en('webhooks.events.signature_confirmed')) }).check();
    await page.getByRole('button', { name: en('webhooks.page.add') }).click();
    expect(await page.getByLabel(en('webhooks.page.secretNow')).inputValue()).toMatch(/^whsec_/);
    await evidence.check(page, 'webhook-added');
    await page.getByRole('link', { name: en('webhooks.page.logLink') }).click();
    await page.getByRole('button', { name: en('webhooks.page.sendTest') }).click();
    await page.getByText(en('webhooks.log.tested')).waitFor();
    for (let i = 0; i < 50 && !received.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(JSON.parse(received[0]).type).toBe('webhook.test');
    await page.reload();
    await page.getByText(en('webhooks.log.states.delivered')).waitFor();
    await evidence.check(page, 'delivery-log');
  });
});
