import type { Browser } from 'playwright-core';
import { Letter } from '../../src/core/letters/letter.entity';
import { anEmail } from '../support/factories';
import { aLetterOf, anOrganiser } from '../support/organisers';
import { linkFrom } from '../support/smtp-sink';
import { useTestApp } from '../support/test-app';
import { Evidence, launchChromium, listen, localLink, newDesktopPage, signInInBrowser, text } from './support';

const en = text('en');
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
const evidence = new Evidence('comments');

const t = useTestApp();
beforeAll(async () => {
  server = await listen(t.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a signer says why they signed; an organiser approves it in the comments queue; it is on the letter page; every page passes axe', async () => {
  const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
  const letter = await aLetterOf(t.db, owner, 'owner', { title: 'A letter of doctors' });
  const page = await newDesktopPage(browser);

  // The owner asks for the occupation and the comment on the edit page.
  await signInInBrowser(page, server.origin, t.smtp, owner.email);
  await page.goto(`${server.origin}/organise/letters/${letter.slug}/edit`);
  await page.getByLabel(en('organisers.signFields.fields.occupation')).check();
  await page.getByLabel(en('organisers.signFields.fields.comment')).check();
  await page.getByRole('button', { name: en('organisers.signFields.save') }).click();
  await page.getByText(en('organisers.signFields.saved')).waitFor();
  await evidence.check(page, 'sign-fields');
  const stored = await t.db.getRepository(Letter).findOneByOrFail({ id: letter.id });
  expect(stored.askComment).toBe(true);

  // A reader signs with an occupation and a comment, in another browser.
  const signer = await newDesktopPage(browser);
  const email = anEmail('doctor');
  const words = 'Every child deserves a doctor who is free to speak.';
  await signer.goto(`${server.origin}/letters/${letter.slug}?lang=en`);
  await signer.getByLabel(en('form.fullName'), { exact: true }).fill('Olena Kovalchuk');
  await signer.getByLabel(en('form.email'), { exact: true }).fill(email);
  await signer.getByLabel(en('form.country'), { exact: true }).selectOption('UA');
  await signer.getByLabel(en('form.occupation')).fill('Paediatrician');
  await signer.getByLabel(en('form.comment')).fill(words);
  await signer.getByLabel(en('form.visibilityOptions.public')).check();
  await evidence.check(signer, 'sign-form');
  await signer.getByRole('button', { name: en('form.submit') }).click();
  await signer.waitForURL(/check-email/);
  const [mail] = await t.smtp.waitFor(email);
  await signer.goto(localLink(server.origin, linkFrom(mail, '/s/confirm/')));
  await signer.getByText(words).waitFor();
  await evidence.check(signer, 'confirm-page');
  await signer.getByRole('button', { name: en('signatures.confirmPage.confirmButton') }).click();
  await signer.getByRole('heading', { level: 1, name: en('confirmed.heading') }).waitFor();

  // Not on the letter page before an organiser approves it.
  await signer.goto(`${server.origin}/letters/${letter.slug}?lang=en`);
  expect(await signer.getByText(words).count()).toBe(0);

  // The organiser finds it in the queue and approves it.
  await page.goto(`${server.origin}/organise/letters/${letter.slug}`);
  await page.getByRole('link', { name: en('organisers.comments.link') }).click();
  await page.getByRole('heading', { level: 1, name: en('organisers.comments.title') }).waitFor();
  await page.getByText(words).waitFor();
  await evidence.check(page, 'queue');
  await page.getByLabel(/Olena Kovalchuk/).check();
  await page.getByRole('button', { name: en('organisers.comments.approveSelected') }).click();
  await page.getByText(en('organisers.comments.done.approve', { count: 1, formatted: '1' })).waitFor();
  await evidence.check(page, 'queue-empty');

  // On the letter page's wall, signed with the name, and on the list filtered to comments.
  await signer.goto(`${server.origin}/letters/${letter.slug}?lang=en`);
  const wall = signer.getByRole('region', { name: en('signatories.comments.wallHeading') });
  await wall.getByText(words).waitFor();
  expect(await wall.textContent()).toContain('Olena Kovalchuk');
  await evidence.check(signer, 'letter-wall');
  await signer.goto(`${server.origin}/letters/${letter.slug}/signatories?comments=1&lang=en`);
  await signer.getByText(words).waitFor();
  expect(await signer.locator('ol.signatories-list').textContent()).toContain('Olena Kovalchuk, Paediatrician');
  await evidence.check(signer, 'list-with-comments');
  await signer.goto(`${server.origin}/letters/${letter.slug}/comments?lang=en`);
  await signer.getByText(words).waitFor();
  await evidence.check(signer, 'comments-page');
  await signer.context().close();
  await page.context().close();
});
