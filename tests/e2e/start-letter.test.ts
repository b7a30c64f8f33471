/**
 * A new person starts a letter on a phone: /start, the sign-in link by email, the guided form, the
 * preview, sending it for review. An admin asks for a change; the starter edits and sends it again;
 * the admin approves; the letter is on the home page and is signed. axe checks every page.
 */
import type { Browser, Page } from 'playwright-core';
import { setAdmin } from '../../src/core/access/organisers.service';
import { anOrganiser } from '../support/organisers';
import { linkFrom } from '../support/smtp-sink';
import { aNewAddress, setStartPolicy } from '../support/start';
import { useTestApp } from '../support/test-app';
import {
  Evidence,
  launchChromium,
  listen,
  localLink,
  newDesktopPage,
  overflowsHorizontally,
  signInInBrowser,
  text,
} from './support';

const en = text('en');
const evidence = new Evidence('start-letter');
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;

afterAll(async () => {
  await setStartPolicy(t.db, 'invited');
  await browser?.close();
  await server?.close();
});
const t = useTestApp();
beforeAll(async () => {
  await setStartPolicy(t.db, 'approve');
  server = await listen(t.app);
  browser = await launchChromium();
});

async function newPhonePage(): Promise<Page> {
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

const h1 = (page: Page, name: string) => page.getByRole('heading', { level: 1, name });

async function checkPhone(page: Page, step: string) {
  await evidence.check(page, step);
  expect(await overflowsHorizontally(page)).toBe(false);
}

test('a new person starts a letter on a phone; an admin asks for a change, then approves; it is public and signed', async () => {
  const starterEmail = aNewAddress();
  const title = `Shade for Abay Avenue ${Date.now().toString(36)}`;
  const admin = await anOrganiser(t.db, { name: 'Admin Alma' });
  await setAdmin(t.db, admin.email, true);

  // The starter, on a phone: /start from the footer of the home page.
  const phone = await newPhonePage();
  await phone.goto(`${server.origin}/`);
  await phone.getByRole('link', { name: en('start.intro.title') }).click();
  await h1(phone, en('start.intro.title')).waitFor();
  await checkPhone(phone, 'start');
  await phone.getByLabel(en('start.intro.email')).fill(starterEmail);
  await phone.getByRole('button', { name: en('start.intro.send') }).click();
  await h1(phone, en('start.sent.title')).waitFor();
  await checkPhone(phone, 'sent');

  // The organisers' sign-in link, by email; then the guided form.
  const [signIn] = await t.smtp.waitFor(starterEmail);
  await phone.goto(localLink(server.origin, linkFrom(signIn, '/login/')));
  await phone.getByRole('button', { name: en('organisers.login.confirmButton') }).click();
  await phone.waitForURL(/\/start\/new$/);
  await h1(phone, en('start.form.titleNew')).waitFor();
  await checkPhone(phone, 'form');

  // A mistake first: the form says what is missing and keeps what was typed.
  await phone.getByLabel(en('start.form.title'), { exact: true }).fill(title);
  await phone.getByRole('button', { name: en('start.form.create') }).click();
  await phone.getByRole('alert').waitFor();
  expect(await phone.getByLabel(en('start.form.recipient')).getAttribute('aria-invalid')).toBe('true');
  expect(await phone.getByLabel(en('start.form.title'), { exact: true }).inputValue()).toBe(title);
  await checkPhone(phone, 'form-errors');

  await phone.getByLabel(en('start.form.recipient')).fill('The Mayor of Almaty');
  await phone.getByLabel(en('start.form.summary')).fill('We ask the mayor to plant trees along Abay Avenue.');
  await phone.getByLabel(en('start.form.body'), { exact: true }).fill('The avenue has lost its shade. Plant trees.');
  await phone.getByLabel(en('start.form.goal')).fill('300');
  await phone.getByLabel(en('start.form.authorName')).fill('Friends of Abay Avenue');
  await phone.getByRole('button', { name: en('start.form.create') }).click();
  await phone.waitForURL(/\/start\/letters\/[a-z0-9-]+$/);
  const slug = new URL(phone.url()).pathname.split('/')[3];
  await h1(phone, title).waitFor();
  await checkPhone(phone, 'letter-draft');

  // The preview, as readers will see it.
  await phone.getByRole('link', { name: en('start.letter.preview') }).click();
  await h1(phone, title).waitFor();
  await phone.getByText(en('start.preview.notice')).waitFor();
  await phone.getByText(en('start.page.startedByOrganisation', { name: 'Friends of Abay Avenue' })).waitFor();
  await checkPhone(phone, 'preview');
  await phone.goBack();

  await phone.getByRole('button', { name: en('start.letter.submit') }).click();
  await phone.getByText(en('start.letter.done.submitted')).waitFor();
  await phone.getByText(en('start.letter.state.submitted')).waitFor();
  await checkPhone(phone, 'submitted');
  expect((await fetch(`${server.origin}/letters/${slug}`)).status).toBe(404);

  // The admin asks for a change.
  const desk = await newDesktopPage(browser);
  await signInInBrowser(desk, server.origin, t.smtp, admin.email);
  await desk.getByRole('link', { name: en('admin.nav.admin') }).click();
  await h1(desk, en('admin.overview.title')).waitFor();
  await evidence.check(desk, 'admin-queue');
  await desk.getByRole('link', { name: title }).click();
  await h1(desk, en('admin.review.title', { title })).waitFor();
  await evidence.check(desk, 'admin-review');
  await desk.getByRole('radio', { name: en('admin.decisions.changes') }).check();
  await desk.getByLabel(en('admin.review.note')).fill('Please say how many trees, and by when.');
  await desk.getByRole('button', { name: en('admin.review.submit') }).click();
  await h1(desk, en('admin.overview.title')).waitFor();

  // The starter reads it (by email and on the page), edits, answers and sends again.
  const mails = await t.smtp.waitFor(starterEmail, 2);
  expect(mails[1].text).toContain('Please say how many trees, and by when.');
  await phone.goto(`${server.origin}/start/letters/${slug}`);
  await phone.getByText('Please say how many trees, and by when.').waitFor();
  await checkPhone(phone, 'changes-asked');
  await phone.getByRole('link', { name: en('start.letter.edit') }).click();
  await h1(phone, en('start.form.titleEdit')).waitFor();
  await checkPhone(phone, 'edit');
  await phone
    .getByLabel(en('start.form.summary'))
    .fill('We ask the mayor to plant two hundred trees along Abay Avenue before 1 October.');
  await phone.getByRole('button', { name: en('start.form.save') }).click();
  await phone.getByText(en('start.letter.done.saved')).waitFor();
  await phone.getByLabel(en('start.letter.reply')).fill('Two hundred, by 1 October.');
  await phone.getByRole('button', { name: en('start.letter.submit') }).click();
  await phone.getByText(en('start.letter.done.submitted')).waitFor();

  // The admin approves.
  await desk.goto(`${server.origin}/admin/review/${slug}`);
  await desk.getByText('Two hundred, by 1 October.').waitFor();
  await desk.getByRole('radio', { name: en('admin.decisions.approve') }).check();
  await desk.getByRole('button', { name: en('admin.review.submit') }).click();
  await h1(desk, en('admin.overview.title')).waitFor();
  // The admins' other pages pass axe too.
  for (const [path, heading, step] of [
    ['/admin/organisers', en('admin.organisers.title'), 'admin-organisers'],
    ['/admin/letters', en('admin.letters.title'), 'admin-letters'],
    ['/admin/settings', en('admin.settings.title'), 'admin-settings'],
    ['/admin/audit', en('admin.audit.title'), 'admin-audit'],
  ]) {
    await desk.goto(`${server.origin}${path}`);
    await h1(desk, heading).waitFor();
    await evidence.check(desk, step);
  }
  await desk.goto(`${server.origin}/admin/audit`);
  await desk.getByText(en('admin.instanceAudit.letter-approve', { slug })).waitFor();

  // Public now: on the home page, and signed on the phone.
  await t.smtp.waitFor(starterEmail, 3);
  await phone.goto(`${server.origin}/start/letters/${slug}`);
  await phone.getByText(en('start.letter.state.approved')).waitFor();
  await phone.goto(`${server.origin}/`);
  await phone.getByRole('link', { name: title }).click();
  await h1(phone, title).waitFor();
  await checkPhone(phone, 'public-letter');
  const signer = aNewAddress();
  await phone.getByLabel(en('form.fullName'), { exact: true }).fill('Dana Signer');
  await phone.getByLabel(en('form.email'), { exact: true }).fill(signer);
  await phone.getByLabel(en('form.country'), { exact: true }).selectOption('KZ');
  await phone.getByRole('button', { name: en('form.submit') }).click();
  await h1(phone, en('checkEmail.heading')).waitFor();
  const [confirmMail] = await t.smtp.waitFor(signer);
  await phone.goto(localLink(server.origin, linkFrom(confirmMail, '/s/confirm/')));
  await phone.getByRole('button', { name: en('signatures.confirmPage.confirmButton') }).click();
  await h1(phone, en('confirmed.heading')).waitFor();
  const [{ n }] = await t.db.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM signatures s JOIN letters l ON l.id = s.letter_id WHERE l.slug = $1 AND s.status = 'confirmed'`,
    [slug],
  );
  expect(n).toBe(1);
}, 180_000);
