import request from 'supertest';
import { AuditEvent } from '../../../src/core/audit';
import { enqueue } from '../../../src/platform/mail/queue';
import {
  queueDueReminders,
  ResponseReminder,
  TASK_RESPONSE_REMINDER_EMAIL,
} from '../../../src/features/response-clock';
import { LetterResponse } from '../../../src/features/updates';
import { linkFrom } from '../../support/smtp-sink';
import { drained } from '../../support/jobs';
import { anOrganiser, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import {
  addDays,
  answerThroughLink,
  anOldLetter,
  aRecipientLink,
  dayOf,
  noonOf,
  publish,
  recordDelivery,
} from './support';

const t = useTestApp();
let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Reminding Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
});

let n = 0;
const address = (who: string) => `${who}-${Date.now()}-${n++}@ministry.example`;

/** A letter delivered `daysAgo` days ago, due `dueAfter` days after, reminders at `points`, and two addressees with addresses. */
async function aLetterWithReminders(opts: { daysAgo: number; dueAfter: number; points: string[] }) {
  const letter = await anOldLetter(t.db, owner);
  const delivered = addDays(dayOf(new Date()), -opts.daysAgo);
  const due = addDays(delivered, opts.dueAfter);
  const res = await recordDelivery(b, letter.slug, {
    deliveredAt: delivered,
    responseDueOn: due,
    reminders: 'on',
    reminderPoints: opts.points,
  });
  expect(res.status).toBe(303);
  const a = {
    email: address('anna'),
    ...(await aRecipientLink(t, b, letter.slug, { name: 'Anna Minister', email: '' })),
  };
  const c = {
    email: address('carl'),
    ...(await aRecipientLink(t, b, letter.slug, { name: 'Carl Deputy', email: '' })),
  };
  // The addresses are on the links (not mailed by the owner's choice here: only reminders arrive).
  await t.db.query(`UPDATE recipient_links SET email = $2 WHERE id = $1`, [a.link.id, a.email]);
  await t.db.query(`UPDATE recipient_links SET email = $2 WHERE id = $1`, [c.link.id, c.email]);
  return { letter, delivered, due, a, c };
}

/** Picks the reminders due at noon of `day` and waits for the worker to send them. */
async function runOn(day: string): Promise<string[]> {
  const queued = await queueDueReminders(t.ctx, noonOf(day));
  await drained(t.db, TASK_RESPONSE_REMINDER_EMAIL);
  return queued;
}

/** A reminder row as the scheduler leaves it, picked but not yet sent (the worker not yet at it). */
async function aQueuedReminder(letterId: string, linkId: string, due: string): Promise<string> {
  const [row] = await t.db.query<Array<{ id: string }>>(
    `INSERT INTO response_reminders (letter_id, link_id, due_on, point, status, created_at) VALUES ($1, $2, $3, 0, 'queued', $4) RETURNING id`,
    [letterId, linkId, due, noonOf(due)],
  );
  return String(row.id);
}

/** The worker gets to it. */
async function sendQueued(id: string, due: string): Promise<void> {
  await enqueue(t.db.manager, TASK_RESPONSE_REMINDER_EMAIL, { id, at: noonOf(due).toISOString() });
  await drained(t.db, TASK_RESPONSE_REMINDER_EMAIL);
}

async function sentAudit(letterId: string): Promise<number> {
  return t.db.getRepository(AuditEvent).countBy({ letterId, kind: 'responseClock.reminder-sent' });
}

describe('reminders to the addressees', () => {
  test('sent at the chosen points through each link’s address, once each, each in the audit trail; the link in it works', async () => {
    const { letter, due, a, c } = await aLetterWithReminders({ daysAgo: 1, dueAfter: 30, points: ['-7', '0'] });
    expect(await runOn(addDays(due, -8))).toEqual([]);
    expect(await runOn(addDays(due, -7))).toHaveLength(2);
    const [first] = await t.smtp.waitFor(a.email, 1);
    expect(first.subject).toContain('A reminder');
    expect(first.text).toContain('in 7 days');
    expect(t.smtp.to(c.email)).toHaveLength(1);
    expect(await sentAudit(letter.id)).toBe(2);
    // The link in the reminder opens the addressee's page; the one given before still works.
    const link = new URL(linkFrom(first, '/r/')).pathname;
    await request(t.app).get(link).expect(200);
    await request(t.app).get(a.path).expect(200);

    // The cron runs again (every hour, or after a crash): nothing more until the next point.
    expect(await runOn(addDays(due, -7))).toEqual([]);
    expect(await runOn(addDays(due, -3))).toEqual([]);
    expect(await runOn(due)).toHaveLength(2);
    const mails = await t.smtp.waitFor(a.email, 2);
    expect(mails[1].text).toContain('by today');
    expect(await runOn(addDays(due, 5))).toEqual([]);
    expect(t.smtp.to(a.email)).toHaveLength(2);
    expect(t.smtp.to(c.email)).toHaveLength(2);
    expect(await sentAudit(letter.id)).toBe(4);
  });

  test('never twice within a week to one addressee, even when the owners move the date', async () => {
    const { letter, due, a } = await aLetterWithReminders({ daysAgo: 1, dueAfter: 30, points: ['-7', '0'] });
    expect(await runOn(addDays(due, -7))).toHaveLength(2);
    // Three days later the owners bring the date forward to that day: its "on the day" point is
    // within the week of the last reminder, so it is skipped.
    const moved = addDays(due, -4);
    const res = await recordDelivery(b, letter.slug, {
      deliveredAt: addDays(due, -30),
      responseDueOn: moved,
      reminders: 'on',
      reminderPoints: ['-7', '0'],
    });
    expect(res.status).toBe(303);
    expect(await runOn(moved)).toEqual([]);
    const rows = await t.db.getRepository(ResponseReminder).findBy({ letterId: letter.id, dueOn: moved });
    expect(rows.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(t.smtp.to(a.email)).toHaveLength(1);
  });

  test('a retried job or one after a crash never sends twice', async () => {
    const { letter, due, a } = await aLetterWithReminders({ daysAgo: 1, dueAfter: 30, points: ['0'] });
    const [id] = await runOn(due);
    await t.smtp.waitFor(a.email, 1);
    // The same job again, as a retry would run it.
    await enqueue(t.db.manager, TASK_RESPONSE_REMINDER_EMAIL, { id, at: noonOf(due).toISOString() });
    await drained(t.db, TASK_RESPONSE_REMINDER_EMAIL);
    // A row claimed by a worker that died before the mail left is not sent again either.
    const [other] = await t.db.getRepository(ResponseReminder).findBy({ letterId: letter.id, status: 'sent' });
    await t.db.query(`UPDATE response_reminders SET status = 'sending' WHERE id = $1`, [other.id]);
    await enqueue(t.db.manager, TASK_RESPONSE_REMINDER_EMAIL, { id: other.id, at: noonOf(due).toISOString() });
    await drained(t.db, TASK_RESPONSE_REMINDER_EMAIL);
    expect(t.smtp.to(a.email)).toHaveLength(1);
    expect(await sentAudit(letter.id)).toBe(2);
  });

  test('stopped at once for an addressee who answers, and for everyone when the answer is published', async () => {
    const { letter, due, a, c } = await aLetterWithReminders({ daysAgo: 1, dueAfter: 30, points: ['-14', '-7', '0'] });
    expect(await runOn(addDays(due, -14))).toHaveLength(2);
    // Anna answers through her link (held for the owners): no more reminders to her.
    expect((await answerThroughLink(t, a.path, { kind: 'accepted', body: 'We accept.' })).status).toBe(303);
    expect(await runOn(addDays(due, -7))).toHaveLength(1);
    expect(t.smtp.to(a.email)).toHaveLength(1);
    expect(await t.smtp.waitFor(c.email, 2)).toHaveLength(2);
    // A reminder picked just before the owner publishes the answer, and sent just after.
    const pickedBefore = await aQueuedReminder(letter.id, c.link.id, due);
    const held = await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: letter.id });
    expect((await publish(b, letter.slug, held.id)).status).toBe(303);
    await sendQueued(pickedBefore, due);
    expect(await runOn(due)).toEqual([]);
    expect(await runOn(addDays(due, 7))).toEqual([]);
    expect(t.smtp.to(c.email)).toHaveLength(2);
    expect(await t.db.getRepository(ResponseReminder).findOneByOrFail({ id: pickedBefore })).toMatchObject({
      status: 'cancelled',
    });
    expect(await sentAudit(letter.id)).toBe(3);
  });

  test('stopped at once when the owners turn reminders off', async () => {
    const { letter, delivered, due, a } = await aLetterWithReminders({ daysAgo: 1, dueAfter: 30, points: ['-7', '0'] });
    expect(await runOn(addDays(due, -7))).toHaveLength(2);
    // Picked for the day, then the owners untick the box before the worker gets to it.
    const picked = await aQueuedReminder(letter.id, a.link.id, due);
    const res = await recordDelivery(b, letter.slug, { deliveredAt: delivered, responseDueOn: due });
    expect(res.status).toBe(303);
    await sendQueued(picked, due);
    expect(await t.db.getRepository(ResponseReminder).findOneByOrFail({ id: picked })).toMatchObject({
      status: 'cancelled',
    });
    expect(
      await t.db.getRepository(AuditEvent).countBy({ letterId: letter.id, kind: 'responseClock.reminders-off' }),
    ).toBe(1);
    expect(await runOn(due)).toEqual([]);
    expect(t.smtp.to(a.email)).toHaveLength(1);
  });
});
