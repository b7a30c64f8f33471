import type { Browser } from 'playwright-core';
import { seedLetters } from '../../src/core/letters/seed-letters';
import { grantRole } from '../../src/core/access/organisers.service';
import { countryName } from '../../src/platform/web/i18n';
import { anEmail } from '../support/factories';
import { anOrganiser } from '../support/organisers';
import { linkFrom } from '../support/smtp-sink';
import type { TestApp } from '../support/test-app';
import { TASK_TEXT_DIFFS } from '../../src/features/versions/versions.queue';
import {
  Evidence,
  text,
  localLink,
  newDesktopPage,
  signInInBrowser,
  startSeededE2e,
  stopE2e,
  type E2eServer,
} from './support';
import { drained } from '../support/jobs';

const LETTER = seedLetters.find((l) => l.slug === 'birthday-greeting-mukhtar-ablyazov')!;
const TITLE_EN = LETTER.translations.find((t) => t.language === 'en')!.title;
const ADDED = 'We will be there on the day of his release.';
const en = text('en');

let t: TestApp;
let server: E2eServer;
let browser: Browser;
const evidence = new Evidence('text-change');

beforeAll(async () => ({ t, server, browser } = await startSeededE2e()));
afterAll(() => stopE2e({ t, server, browser }));

describe('a change to the text of a signed letter', () => {
  test('an organiser edits the birthday letter after a signature: the page shows the change notice, the diff passes axe, the signer is told', async () => {
    // A reader signs the English text, and confirms from the email.
    const signer = await newDesktopPage(browser);
    const email = anEmail('e2e-versions');
    await signer.goto(`${server.origin}/letters/${LETTER.slug}?lang=en`);
    await signer.getByLabel(en('form.fullName'), { exact: true }).fill('Олена Ковальчук');
    await signer.getByLabel(en('form.email'), { exact: true }).fill(email);
    await signer.getByLabel(en('form.country'), { exact: true }).selectOption({ label: countryName('UA', 'en') });
    await signer.getByRole('radio', { name: en('form.visibilityOptions.private') }).check();
    await signer.getByLabel(en('form.wantsUpdates')).check();
    await signer.getByRole('button', { name: en('form.submit') }).click();
    await signer.getByRole('heading', { level: 1, name: en('checkEmail.heading') }).waitFor();
    const [confirmMail] = await t.smtp.waitFor(email);
    await signer.goto(localLink(server.origin, linkFrom(confirmMail, '/s/confirm/')));
    await signer.getByRole('button', { name: en('signatures.confirmPage.confirmButton') }).click();
    await signer.getByRole('heading', { level: 1 }).waitFor();

    // The owner signs in by emailed link and opens the editor.
    const owner = await anOrganiser(t.db, { name: 'Olena Owner' });
    await grantRole(t.db, owner.email, LETTER.slug, 'owner');
    const page = await newDesktopPage(browser);
    await signInInBrowser(page, server.origin, t.smtp, owner.email);
    await page.goto(`${server.origin}/organise/letters/${LETTER.slug}/edit`);

    // Before publishing, the editor says what the change means. Other journeys of the run may
    // have signed this seed letter too: everyone counted under the current English text.
    const [{ n }] = await t.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM signatures s
         JOIN letters l ON l.id = s.letter_id
         JOIN letter_translations tr ON tr.letter_id = l.id AND tr.language = 'en'
        WHERE l.slug = $1 AND s.status = 'confirmed' AND s.held_reason IS NULL
          AND s.text_language = 'en' AND s.text_version = tr.text_version`,
      [LETTER.slug],
    );
    const signers = Number(n);
    expect(signers).toBeGreaterThanOrEqual(1);
    const told = page.getByText(en('versions.editor.signed', { count: signers, formatted: String(signers) }));
    await told.waitFor();
    await evidence.screenshot(page, 'editor-notice');
    const body = page.locator('textarea[name$="_body"][lang="en"]');
    await body.fill(`${await body.inputValue()}\n\n${ADDED}`);
    await page.getByRole('button', { name: en('organisers.form.save') }).click();
    await page.waitForURL(/saved=1/);

    // The public page shows the notice and links the differences.
    await page.goto(`${server.origin}/letters/${LETTER.slug}?lang=en`);
    await page.getByRole('heading', { level: 1, name: TITLE_EN }).waitFor();
    const notice = page.locator('p.text-changed');
    expect(await notice.innerText()).toMatch(
      new RegExp(`This text was changed on .+; ${signers} (person|people) signed an earlier version\\.`),
    );
    await evidence.check(page, 'letter-with-notice');
    // The diff is computed by the worker's job when the version is saved, not by the page.
    await drained(t.db, TASK_TEXT_DIFFS);
    await notice.getByRole('link', { name: en('versions.notice.diffLink') }).click();

    // The diff: word level, without JavaScript, marked by more than colour, and accessible.
    await page.getByRole('heading', { level: 1, name: en('versions.diff.heading', { from: 1, to: 2 }) }).waitFor();
    const added = await page.locator('.diff-body ins').allInnerTexts();
    expect(added.join(' ')).toContain('release');
    expect(await page.locator('.diff-body del').count()).toBe(0);
    await evidence.check(page, 'diff');

    // The words signed stay readable, with their date.
    await page.getByRole('link', { name: en('versions.diff.readVersion', { version: 1 }) }).click();
    await page.getByText(/Version 1 of this text, published on/).waitFor();
    expect(await page.locator('article').innerText()).not.toContain(ADDED);
    await evidence.check(page, 'version-1');

    // The signer, who asked for updates, gets the diff link and a withdraw link.
    const mails = await t.smtp.waitFor(email, 2);
    const changed = mails.find((m) => m.subject.startsWith('The text you signed was changed'))!;
    expect(changed.text).toContain(`/letters/${LETTER.slug}/diff?lang=en&from=1&to=2`);
    expect(changed.text).toMatch(/\/s\/withdraw\/[A-Za-z0-9_-]{43}/);
  });
});
