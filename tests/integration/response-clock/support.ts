import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Letter } from '../../../src/core/letters/letter.entity';
import { RecipientLink } from '../../../src/features/recipients';
import { hashToken } from '../../../src/core/tokens';
import { aLetterOf, postForm, type Browser } from '../../support/organisers';
import type { Organiser } from '../../../src/core/access/organiser.entity';
import { browser, type TestApp } from '../../support/test-app';

export const DAY_MS = 86_400_000;
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);
export const addDays = (day: string, n: number) => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));
/** Noon UTC of a calendar day: the time the tests move the clock to. */
export const noonOf = (day: string) => new Date(`${day}T12:00:00Z`);

/** A letter of `owner`, made a year ago (so any delivery day of the last months is allowed). */
export async function anOldLetter(
  db: DataSource,
  owner: Organiser,
  title = `Clock ${crypto.randomBytes(3).toString('hex')}`,
) {
  const letter = await aLetterOf(db, owner, 'owner', { title });
  await db.query(`UPDATE letters SET created_at = now() - interval '1 year' WHERE id = $1`, [letter.id]);
  return letter;
}

/** The owner records the delivery on the dashboard, with the clock's fields. */
export function recordDelivery(b: Browser, slug: string, form: Record<string, string | string[]>) {
  const page = `/organise/letters/${slug}`;
  return b.csrfFrom(page).then((csrf) =>
    b.agent
      .post(`${page}/delivery`)
      .type('form')
      .send({ deliveredTo: 'The Minister of Justice', ...form, _csrf: csrf }),
  );
}

/** A recipient link made by the owner on the links page: its path and row. */
export async function aRecipientLink(
  t: TestApp,
  b: Browser,
  slug: string,
  fields: { name: string; email?: string },
): Promise<{ path: string; link: RecipientLink }> {
  const page = `/organise/letters/${slug}/recipients`;
  const res = await postForm(b, page, page, {
    name: fields.name,
    role: 'Minister',
    email: fields.email ?? '',
    expiresOn: '',
  });
  if (res.status !== 201) throw new Error(`link not created: ${res.status}`);
  const token = /value="http:\/\/undersigned\.test\/r\/([A-Za-z0-9_-]+)"/.exec(res.text)![1];
  return {
    path: `/r/${token}`,
    link: await t.db.getRepository(RecipientLink).findOneByOrFail({ tokenHash: hashToken(token) }),
  };
}

/** The addressee answers through their link's form. */
export async function answerThroughLink(t: TestApp, path: string, fields: { kind: string; body: string }) {
  const b = browser(t.app);
  const action = await b.uploadAction(`${path}?lang=en`);
  return b.agent.post(action).field('kind', fields.kind).field('body', fields.body);
}

/** The owner publishes a held response from the dashboard. */
export function publish(b: Browser, slug: string, responseId: string) {
  return postForm(b, `/organise/letters/${slug}`, `/organise/letters/${slug}/recipients/responses/${responseId}`, {
    decision: 'publish',
    title: '',
    back: 'dashboard',
  });
}

export async function reloaded(db: DataSource, id: string): Promise<Letter> {
  return db.getRepository(Letter).findOneOrFail({ where: { id }, relations: { translations: true } });
}
