import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { challengeModeState } from '../../src/features/abuse';
import { verifiedCount } from '../../src/core/letters/counts.service';
import { solvedChallenge } from '../support/challenge';
import { confirmByLink } from '../support/journey';
import { anEmail, signForm } from '../support/factories';
import { aLetterOf, anOrganiser, postForm, signInAs } from '../support/organisers';
import { linkFrom } from '../support/smtp-sink';
import { useTestApp } from '../support/test-app';
import { launchChromium, listen, text } from './support';

/**
 * A bot on a letter, played for real: 2,000 signing attempts in a minute from 40 networks, with
 * generated names on three domains of its own, none solving the challenge; it confirms a share of
 * its signatures through its own mailboxes. Meanwhile real people sign the same letter: two in
 * Chromium with JavaScript (desktop and phone), one in Chromium without JavaScript, one from a
 * script that solves the challenge as the widget does. Afterwards the letter is in challenge mode,
 * no signature of the bot counts, every person counts (the one without JavaScript once an
 * organiser released them), the bot's answers were the people's answers byte for byte, and the
 * letter's held signatures are all the bot's (for the organisers to clear by group).
 */
const ATTEMPTS = 2_000;
const NETWORKS = 40;
const FLOOD_MS = 60_000;
const BOT_DOMAINS = ['inbox-now.example', 'fastpost-mail.example', 'mailhub-direct.example'];
const BOT_CONFIRMS = 100;
const MAX_IN_FLIGHT = 20;
const FIRST = [
  'Ivan',
  'Olga',
  'Petro',
  'Anna',
  'Maria',
  'John',
  'Lena',
  'Taras',
  'Sofia',
  'Marc',
  'Ali',
  'Nina',
  'Oleh',
  'Iryna',
  'Paul',
  'Dana',
];
const LAST = [
  'Shevchenko',
  'Kovalenko',
  'Bondarenko',
  'Smith',
  'Martin',
  'Petrova',
  'Ivanov',
  'Moroz',
  'Dubois',
  'Lysenko',
  'Melnyk',
  'Novak',
];
const en = text('en');

let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;

// The soft limits at their documented defaults; only the hourly per-network signing limit is
// raised, since the people here all sign from this machine's one address.
const t = useTestApp({
  TRUST_PROXY: 'loopback',
  FLOOD_LIMIT_PER_IP_PER_MINUTE: '120',
  SIGN_BURST_PER_IP_PER_MINUTE: '10',
  SIGN_BURST_PER_EMAIL_PER_MINUTE: '3',
  SIGN_SUSTAINED_PER_EMAIL_PER_HOUR: '4',
  SIGN_BURST_PER_DOMAIN_PER_MINUTE: '20',
  SIGN_SUSTAINED_PER_DOMAIN_PER_HOUR: '200',
});
beforeAll(async () => {
  server = await listen(t.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `expression` (evaluated in the page) is true. Not page.waitForFunction: it compiles
 * its predicate in the page, which the Content-Security-Policy (no 'unsafe-eval') refuses.
 */
async function until(page: Page, expression: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a client learns from the answer to its signature: status, the headers that matter, the body. */
interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}
const HEADERS = [
  'location',
  'content-type',
  'content-length',
  'cache-control',
  'vary',
  'content-security-policy',
  'x-frame-options',
  'referrer-policy',
];

async function answerOf(res: Response): Promise<Answer> {
  return {
    status: res.status,
    headers: {
      ...Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])),
      // Whether a cookie is set, not its value (a CSRF cookie differs per client).
      'set-cookie': res.headers.get('set-cookie') === null ? null : 'set',
    },
    body: (await res.text()).replace(/name="_csrf" value="[^"]+"/g, ''),
  };
}

/** A client of the site from one network: its CSRF cookie and the form's token, read from the page once. */
async function clientFrom(ip: string, slug: string): Promise<{ ip: string; cookie: string; csrf: string }> {
  const res = await fetch(`${server.origin}/letters/${slug}?lang=en`, { headers: { 'x-forwarded-for': ip } });
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (!csrf || !cookie) throw new Error('no CSRF token or cookie on the letter page');
  return { ip, cookie, csrf };
}

function postSignature(
  client: { ip: string; cookie: string; csrf: string },
  slug: string,
  form: Record<string, string>,
): Promise<Response> {
  return fetch(`${server.origin}/letters/${slug}/sign?lang=en`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: client.cookie,
      'x-forwarded-for': client.ip,
    },
    body: new URLSearchParams({ ...form, _csrf: client.csrf }).toString(),
  });
}

/** A person signs in Chromium; returns the answer to the form's POST, as the browser received it. */
async function signInChromium(
  slug: string,
  name: string,
  email: string,
  opts: BrowserContextOptions,
  js: boolean,
): Promise<{ page: Page; answer: { status: number; location: string | null } }> {
  const context = await browser.newContext({ locale: 'en-GB', ...opts });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await page.goto(`${server.origin}/letters/${slug}?lang=en`);
  if (js) await page.locator('altcha-widget').waitFor({ state: 'attached' });
  await page.getByLabel(en('form.fullName'), { exact: true }).fill(name);
  await page.getByLabel(en('form.email'), { exact: true }).fill(email);
  await page.getByLabel(en('form.country'), { exact: true }).selectOption('UA');
  await page.getByRole('radio', { name: en('form.visibilityOptions.public') }).check();
  // A person reads the form before sending it; the widget works meanwhile.
  if (js) await until(page, `document.querySelector('altcha-widget')?.getState?.() === 'verified'`);
  const posted = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/letters/${slug}/sign`,
  );
  await page.getByRole('button', { name: en('form.submit') }).click();
  const res = await posted;
  await page.getByRole('heading', { level: 1, name: en('checkEmail.heading') }).waitFor();
  const headers = await res.allHeaders();
  return { page, answer: { status: res.status(), location: headers.location ?? null } };
}

async function confirmInPage(page: Page, email: string): Promise<void> {
  const [mail] = await t.smtp.waitFor(email, 1, 300_000);
  const link = new URL(linkFrom(mail, '/s/confirm/'));
  await page.goto(`${server.origin}${link.pathname}${link.search}`);
  await page.getByRole('button', { name: en('signatures.confirmPage.confirmButton') }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

test('a bot flood: challenge mode on, no bot signature counts, every person does, the same answers for all', async () => {
  const owner = await anOrganiser(t.db);
  const letter = await aLetterOf(t.db, owner);
  const slug = letter.slug;
  // The owner signs in before the flood (the sign-in email would otherwise queue behind 2,000).
  const organiser = await signInAs(t.app, t.smtp, owner.email);

  /* ------------------------------------------------------------------ the bot */
  const clients = await Promise.all(
    Array.from({ length: NETWORKS }, (_, k) => clientFrom(`198.51.${k + 1}.${(k * 7) % 250 || 9}`, slug)),
  );
  const botEmails: string[] = [];
  const botAnswers: Array<Promise<Answer>> = [];
  const started = Date.now();
  let inFlight = 0;
  const flood = (async () => {
    for (let i = 0; i < ATTEMPTS; i++) {
      const wait = started + (i * FLOOD_MS) / ATTEMPTS - Date.now();
      if (wait > 0) await sleep(wait);
      // A bot keeps a bounded number of connections open: when the site answers slowly, it waits.
      while (inFlight >= MAX_IN_FLIGHT) await sleep(5);
      inFlight += 1;
      const first = FIRST[i % FIRST.length];
      const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
      const email = `${first.toLowerCase()}.${last.toLowerCase()}.${i}@${BOT_DOMAINS[i % BOT_DOMAINS.length]}`;
      botEmails.push(email);
      const form = signForm({ fullName: `${first} ${last}`, email, country: 'FR', city: '' });
      botAnswers.push(
        postSignature(clients[i % NETWORKS], slug, form)
          .then(answerOf)
          .finally(() => {
            inFlight -= 1;
          }),
      );
    }
    return Promise.all(botAnswers);
  })();

  /* ------------------------------------------------------------------ the people, once the attack is noticed */
  const deadline = Date.now() + FLOOD_MS;
  while (!(await challengeModeState(t.db, letter.id)).active && Date.now() < deadline) await sleep(250);
  expect((await challengeModeState(t.db, letter.id)).active).toBe(true);
  const enteredAfterMs = Date.now() - started;

  const people = {
    desktop: anEmail('person-desktop'),
    phone: anEmail('person-phone'),
    noScript: anEmail('person-noscript'),
    script: anEmail('person-script'),
  };
  const scripted = (async () => {
    const client = await clientFrom('192.0.2.77', slug);
    const form = signForm({
      fullName: 'Kateryna Solved',
      email: people.script,
      altcha: await solvedChallenge(server.origin, slug),
    });
    return answerOf(await postSignature(client, slug, form));
  })();
  const [desktop, phone, noScript, scriptAnswer] = await Promise.all([
    signInChromium(slug, 'Dmytro Desktop', people.desktop, { viewport: { width: 1280, height: 900 } }, true),
    signInChromium(
      slug,
      'Pavlo Phone',
      people.phone,
      { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
      true,
    ),
    signInChromium(
      slug,
      'Nadia Noscript',
      people.noScript,
      { viewport: { width: 1280, height: 900 }, javaScriptEnabled: false },
      false,
    ),
    scripted,
  ]);
  const answers = await flood;
  const floodMs = Date.now() - started;

  /* ------------------------------------------------------------------ the bot's answers were the people's */
  expect(answers).toHaveLength(ATTEMPTS);
  for (const a of answers) expect(a).toEqual(scriptAnswer);
  expect(scriptAnswer.status).toBe(303);
  // The browsers ask for HTML (Accept), so the redirect's short body is HTML for them; where they
  // are sent is what they see, and it is the same.
  for (const p of [desktop, phone, noScript]) {
    expect({ status: p.answer.status, location: p.answer.location }).toEqual({
      status: scriptAnswer.status,
      location: scriptAnswer.headers.location,
    });
  }

  /* ------------------------------------------------------------------ everyone confirms; the bot confirms through its own mailboxes */
  await Promise.all([
    confirmInPage(desktop.page, people.desktop),
    confirmInPage(phone.page, people.phone),
    confirmInPage(noScript.page, people.noScript),
  ]);
  const [scriptMail] = await t.smtp.waitFor(people.script, 1, 300_000);
  expect(
    (
      await confirmByLink(server.origin, linkFrom(scriptMail, '/s/confirm/'), {
        headers: { 'x-forwarded-for': '192.0.2.77' },
      })
    ).status,
  ).toBe(200);
  // The bot's first signatures, those that came before the letter entered challenge mode.
  for (const email of botEmails.slice(0, BOT_CONFIRMS)) {
    const [mail] = await t.smtp.waitFor(email, 1, 300_000);
    await confirmByLink(server.origin, linkFrom(mail, '/s/confirm/'), {
      headers: { 'x-forwarded-for': clients[botEmails.indexOf(email) % NETWORKS].ip },
    });
  }

  // The person without JavaScript waits for review; an organiser releases them.
  const [held]: Array<{ id: string; held_reason: string }> = await t.db.query(
    'SELECT id, held_reason FROM signatures WHERE email = $1',
    [people.noScript],
  );
  expect(held.held_reason).toBe('challenge-missing');
  const released = await postForm(
    organiser,
    `/organise/letters/${slug}/allow-list`,
    `/organise/letters/${slug}/signatures/${held.id}/release`,
  );
  expect(released.status).toBe(303);

  /* ------------------------------------------------------------------ afterwards */
  expect((await challengeModeState(t.db, letter.id)).active).toBe(true);
  const rows: Array<{ email: string; status: string; held_reason: string | null; challenge_solved: boolean }> =
    await t.db.query('SELECT email, status, held_reason, challenge_solved FROM signatures WHERE letter_id = $1', [
      letter.id,
    ]);
  const bot = new Set(botEmails);
  const botRows = rows.filter((r) => bot.has(r.email));
  const personRows = rows.filter((r) => !bot.has(r.email));
  expect(botRows).toHaveLength(ATTEMPTS);
  expect(botRows.filter((r) => r.status === 'confirmed').length).toBe(BOT_CONFIRMS);
  // None of the bot's signatures counts, confirmed or not.
  expect(botRows.filter((r) => r.status === 'confirmed' && r.held_reason === null)).toEqual([]);
  expect(botRows.filter((r) => r.held_reason === null)).toEqual([]);
  // Every person counts.
  expect(personRows.map((r) => [r.email, r.status, r.held_reason]).sort()).toEqual(
    Object.values(people)
      .map((e) => [e, 'confirmed', null])
      .sort(),
  );
  expect(
    personRows
      .filter((r) => r.challenge_solved)
      .map((r) => r.email)
      .sort(),
  ).toEqual([people.desktop, people.phone, people.script].sort());
  expect(await verifiedCount(t.db, letter.id)).toBe(4);
  // What remains held is the bot's alone: the organisers clear it by group.
  const heldNow = rows.filter((r) => r.held_reason !== null && r.email !== people.noScript);
  expect(heldNow.every((r) => bot.has(r.email))).toBe(true);

  const reasons: Record<string, number> = {};
  for (const r of botRows) reasons[r.held_reason!] = (reasons[r.held_reason!] ?? 0) + 1;

  // The owner clears the bot from the held queue, grouped by reason: one decision per group the
  // page shows (at most three), each invalidating the whole group as a bot run.
  const queue = `/organise/letters/${slug}/held?by=reason`;
  const page = await organiser.agent.get(queue).expect(200);
  const keys = [...new Set([...page.text.matchAll(/name="key" value="([^"]+)"/g)].map((m) => m[1]))];
  expect(keys.length).toBeGreaterThan(0);
  expect(keys.length).toBeLessThanOrEqual(3);
  for (const key of keys) {
    const decided = await postForm(organiser, queue, `/organise/letters/${slug}/held/decide`, {
      by: 'reason',
      key,
      decision: 'invalidate',
      category: 'bulk-bot',
    });
    expect(decided.status).toBe(303);
  }
  const after: Array<{ status: string; n: string }> = await t.db.query(
    'SELECT status, count(*) AS n FROM signatures WHERE letter_id = $1 AND email = ANY($2) GROUP BY 1',
    [letter.id, [...bot]],
  );
  expect(after.map((r) => [r.status, Number(r.n)])).toEqual([['invalidated', ATTEMPTS]]);
  const [{ n: stillHeld }]: Array<{ n: string }> = await t.db.query(
    `SELECT count(*) AS n FROM signatures WHERE letter_id = $1 AND held_reason IS NOT NULL AND status IN ('pending', 'confirmed')`,
    [letter.id],
  );
  expect(Number(stillHeld)).toBe(0);
  expect(await verifiedCount(t.db, letter.id)).toBe(4);
  const decisions: Array<{ kind: string; n: string }> = await t.db.query(
    `SELECT kind, count(*) AS n FROM audit_events WHERE letter_id = $1 AND kind LIKE 'abuse.group-%' GROUP BY kind`,
    [letter.id],
  );
  expect(decisions).toEqual([{ kind: 'abuse.group-invalidated', n: String(keys.length) }]);

  const report = {
    attempts: ATTEMPTS,
    networks: NETWORKS,
    floodMs,
    challengeModeAfterMs: enteredAfterMs,
    heldReasons: reasons,
    botConfirmed: BOT_CONFIRMS,
    counted: 4,
    groupDecisionsToClear: keys.length,
  };
  process.stdout.write(`\nBot flood: ${JSON.stringify(report)}\n`);
  fs.writeFileSync(path.join(process.env.E2E_SCREENSHOT_DIR ?? '.', 'bot-flood.json'), JSON.stringify(report, null, 2));
  await Promise.all([desktop.page.context().close(), phone.page.context().close(), noScript.page.context().close()]);
}, 900_000);
