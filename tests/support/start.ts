import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { StartPolicy } from '../../src/features/admin';
import { type Browser, signInLink } from './organisers';
import { browser, type TestApp } from './test-app';

/** Sets who may start a letter on the test database's instance. */
export async function setStartPolicy(db: DataSource, policy: StartPolicy): Promise<void> {
  await db.query(`UPDATE instance_settings SET start_policy = $1 WHERE id`, [policy]);
}

export const aNewAddress = () => `starter-${crypto.randomBytes(4).toString('hex')}@example.org`;

/** What the guided form is sent, with any field replaced. */
export function startForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    recipient: 'The Mayor of Almaty',
    title: 'Plant trees along Abay Avenue',
    summary: 'We ask the mayor to plant two hundred trees along Abay Avenue before autumn.',
    body: 'The avenue has lost its shade. We ask the **mayor** to plant trees before autumn.',
    language: 'en',
    goal: '500',
    closesAt: '',
    authorKind: 'organisation',
    authorName: 'Friends of Abay Avenue',
    ...overrides,
  };
}

/**
 * A person's way in from /start: gives the address, takes the sign-in link from the email that
 * arrives at the SMTP sink, opens it and presses "Sign in". Answers the browser and where the
 * sign-in sent it.
 */
export async function startJourney(
  t: Pick<TestApp, 'app' | 'smtp'>,
  email: string,
): Promise<{ b: Browser; location: string }> {
  const b = browser(t.app);
  const known = t.smtp.to(email).length;
  const csrf = await b.csrfFrom('/start');
  await b.agent.post('/start').type('form').send({ email, _csrf: csrf }).expect(200);
  const link = await signInLink(t.smtp, email, known);
  const confirmCsrf = await b.csrfFrom(link);
  const res = await b.agent.post(link).type('form').send({ _csrf: confirmCsrf });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return { b, location: String(res.headers.location) };
}

/** Starts a letter with the guided form; answers its slug. */
export async function startALetter(b: Browser, overrides: Record<string, string> = {}): Promise<string> {
  const csrf = await b.csrfFrom('/start/new');
  const res = await b.agent
    .post('/start/new')
    .type('form')
    .send({ ...startForm(overrides), _csrf: csrf });
  if (res.status !== 303) throw new Error(`start failed: ${res.status} ${res.text.slice(0, 500)}`);
  const m = String(res.headers.location).match(/^\/start\/letters\/([a-z0-9-]+)$/);
  if (!m) throw new Error(`unexpected redirect ${res.headers.location}`);
  return m[1];
}
