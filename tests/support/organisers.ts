import crypto from 'node:crypto';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import type { Letter } from '../../src/core/letters/letter.entity';
import type { LetterRole } from '../../src/core/access/letter-organiser.entity';
import type { Organiser } from '../../src/core/access/organiser.entity';
import { addOrganiser, grantRole } from '../../src/core/access/organisers.service';
import { aLetter } from './factories';
import { linkFrom, type SmtpSink } from './smtp-sink';
import { browser } from './test-app';

export type Browser = ReturnType<typeof browser>;

/** A new organiser with a unique address. */
export async function anOrganiser(
  db: DataSource,
  overrides: { email?: string; name?: string } = {},
): Promise<Organiser> {
  const email = overrides.email ?? `organiser-${crypto.randomBytes(4).toString('hex')}@example.org`;
  return (await addOrganiser(db, email, overrides.name ?? 'Test Organiser')).organiser;
}

/** A letter (see aLetter) on which `organiser` holds `role`. */
export async function aLetterOf(
  db: DataSource,
  organiser: Organiser,
  role: LetterRole = 'owner',
  overrides: Parameters<typeof aLetter>[1] = {},
): Promise<Letter> {
  const letter = await aLetter(db, overrides);
  await grantRole(db, organiser.email, letter.slug, role);
  return letter;
}

/** The path of the sign-in link in the newest sign-in email to `email` that arrives after `known` messages. */
export async function signInLink(smtp: SmtpSink, email: string, known: number): Promise<string> {
  const mails = await smtp.waitFor(email, known + 1);
  return new URL(linkFrom(mails[mails.length - 1], '/login/')).pathname;
}

/**
 * Signs in through the real journey: asks for a link at /login, takes it from the email that
 * arrives at the in-process SMTP server, opens it and presses "Sign in". Returns a browser whose
 * cookie jar holds the session, and a helper that reads a CSRF token from any page.
 * The organiser must exist (anOrganiser) and the test app must run its worker.
 */
export async function signInAs(app: Express, smtp: SmtpSink, email: string): Promise<Browser> {
  const b = browser(app);
  const known = smtp.to(email).length;
  const csrf = await b.csrfFrom('/login');
  await b.agent.post('/login').type('form').send({ email, _csrf: csrf }).expect(200);
  const link = await signInLink(smtp, email, known);
  const confirmCsrf = await b.csrfFrom(link);
  const res = await b.agent.post(link).type('form').send({ _csrf: confirmCsrf });
  if (res.status !== 303 || res.headers.location !== '/organise') {
    throw new Error(`sign-in failed: ${res.status} ${res.headers.location ?? ''}`);
  }
  return b;
}

/** Posts a form the way a page would: the CSRF token is read from `fromPage` first. */
export async function postForm(b: Browser, fromPage: string, action: string, form: Record<string, string> = {}) {
  const csrf = await b.csrfFrom(fromPage);
  return b.agent
    .post(action)
    .type('form')
    .send({ ...form, _csrf: csrf });
}

/** The organisers' letter form as a browser sends it (a draft in English and Ukrainian), any field replaced. */
export function letterForm(slug: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    slug,
    status: 'draft',
    goal: '500',
    closesAt: '2030-12-31',
    defaultLanguage: 'en',
    publicNamesDefault: 'initials',
    tr0_language: 'en',
    tr0_title: 'Free the journalists',
    tr0_summary: 'A letter for press freedom.',
    tr0_body: 'We ask you to **release** them.\n\nSigned, the undersigned.',
    tr0_recipient: 'The Minister of Justice',
    tr1_language: 'uk',
    tr1_title: 'Звільніть журналістів',
    tr1_summary: 'Лист за свободу преси.',
    tr1_body: 'Просимо **звільнити** їх.',
    tr1_recipient: 'Міністрові юстиції',
    ...overrides,
  };
}
