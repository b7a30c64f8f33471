import request from 'supertest';
import { AuditEvent } from '../../../src/core/audit';
import { LetterResponse } from '../../../src/features/updates';
import { clockAt, letterClock, ResponseClock } from '../../../src/features/response-clock';
import { readLetter } from '../../../src/features/api/api-read.service';
import { anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
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
  reloaded,
} from './support';

const t = useTestApp();
let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Clock Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
});

describe('the response clock', () => {
  test('an owner sets a date with the delivery; the clock goes awaiting → overdue → answered as time moves and the answer is published', async () => {
    const letter = await anOldLetter(t.db, owner);
    const delivered = addDays(dayOf(new Date()), -40);
    // The suggested 30 days: the date is worked out from the delivery's day.
    const saved = await recordDelivery(b, letter.slug, { deliveredAt: delivered, responseWithin: '30' });
    expect(saved.status).toBe(303);
    const clock = await t.db.getRepository(ResponseClock).findOneByOrFail({ letterId: letter.id });
    const due = addDays(delivered, 30);
    expect(clock.dueOn).toBe(due);
    const audit = await t.db.getRepository(AuditEvent).findBy({ letterId: letter.id, kind: 'responseClock.due-set' });
    expect(audit.map((a) => a.detail)).toEqual([{ dueOn: due }]);

    const l = await reloaded(t.db, letter.id);
    const at = (day: string) => letterClock(t.db, l, noonOf(day));
    expect(await at(addDays(delivered, 1))).toMatchObject({ state: 'awaiting', dueOn: due, dueInDays: 29 });
    expect(await at(due)).toMatchObject({ state: 'awaiting', dueInDays: 0, overdueDays: null });
    expect(await at(addDays(due, 1))).toMatchObject({ state: 'overdue', overdueDays: 1 });
    expect(await at(addDays(due, 9))).toMatchObject({ state: 'overdue', overdueDays: 9 });

    // Today (ten days past the date): the page, in the reader's language, and the JSON say so.
    const en = await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(en.text).toContain('Response overdue');
    expect(en.text).toContain('overdue by 10 days');
    const dueLong = (lang: string) =>
      new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(noonOf(due));
    expect(en.text).toContain(dueLong('en'));
    const fr = await request(t.app).get(`/letters/${letter.slug}?lang=fr`).expect(200);
    expect(fr.text).toContain('Réponse en retard');
    expect(fr.text).toContain(dueLong('fr'));
    const json = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
    expect(json.body.responseClock).toEqual({
      state: 'overdue',
      deliveredAt: new Date(`${delivered}T12:00:00Z`).toISOString(),
      dueOn: due,
      overdueDays: 10,
      answeredOn: null,
      answerKind: null,
    });

    // The addressee answers through their link: held, so the clock still runs.
    const { path } = await aRecipientLink(t, b, letter.slug, { name: 'Jean Ministre' });
    const posted = await answerThroughLink(t, path, { kind: 'partly', body: 'We will review half of the cases.' });
    expect(posted.status).toBe(303);
    expect(await at(addDays(due, 10))).toMatchObject({ state: 'overdue' });
    const held = await t.db.getRepository(LetterResponse).findOneByOrFail({ letterId: letter.id });
    expect([held.status, held.answerKind]).toEqual(['pending', 'partly']);

    // The owner publishes it: the clock is answered, on the day the officials answered.
    expect((await publish(b, letter.slug, held.id)).status).toBe(303);
    const answered = await at(addDays(due, 10));
    expect(answered).toMatchObject({ state: 'answered', answer: { kind: 'partly', respondedOn: dayOf(new Date()) } });
    const page = await request(t.app).get(`/letters/${letter.slug}?lang=en`).expect(200);
    expect(page.text).toContain('Answered');
    expect(page.text).toContain('Partly accepted, on');
    const after = await request(t.app).get(`/letters/${letter.slug}.json`).expect(200);
    expect(after.body.responseClock).toMatchObject({
      state: 'answered',
      answerKind: 'partly',
      answeredOn: dayOf(new Date()),
    });
  });

  test('an owner who records the response says what it is; recording it answers the clock', async () => {
    const letter = await anOldLetter(t.db, owner);
    const delivered = addDays(dayOf(new Date()), -20);
    await recordDelivery(b, letter.slug, { deliveredAt: delivered, responseWithin: '14' });
    const page = `/organise/letters/${letter.slug}/response`;
    const form = await b.agent.get(page).expect(200);
    expect(form.text).toContain('name="kind" value="declined"');
    const res = await postForm(b, page, page, {
      respondedOn: addDays(delivered, 18),
      kind: 'declined',
      body: 'No.',
      link: '',
    });
    expect(res.status).toBe(303);
    expect(await letterClock(t.db, await reloaded(t.db, letter.id))).toMatchObject({
      state: 'answered',
      answer: { kind: 'declined', respondedOn: addDays(delivered, 18) },
    });
    const bad = await postForm(b, page, page, { respondedOn: addDays(delivered, 18), kind: 'maybe', body: 'No.' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose what the answer says.');
  });

  test('a letter delivered with no date awaits a response and is never overdue', () => {
    const deliveredAt = new Date('2026-01-10T12:00:00Z');
    expect(clockAt({ deliveredAt, dueOn: null, answer: null }, new Date('2030-01-01T00:00:00Z'))).toMatchObject({
      state: 'awaiting',
      dueOn: null,
      overdueDays: null,
    });
  });

  test('a date before the delivery, or reminders without a date, are refused with a message and nothing is saved', async () => {
    const letter = await anOldLetter(t.db, owner);
    const delivered = addDays(dayOf(new Date()), -5);
    const before = await recordDelivery(b, letter.slug, {
      deliveredAt: delivered,
      responseDueOn: addDays(delivered, -1),
    });
    expect(before.status).toBe(422);
    expect(before.text).toContain('The response date must come after the delivery.');
    const noDate = await recordDelivery(b, letter.slug, {
      deliveredAt: delivered,
      responseWithin: '',
      reminders: 'on',
      reminderPoints: '-7',
    });
    expect(noDate.status).toBe(422);
    expect(noDate.text).toContain('Reminders need a response date.');
    const bad = await recordDelivery(b, letter.slug, { deliveredAt: delivered, responseWithin: '1000' });
    expect(bad.status).toBe(422);
    expect((await reloaded(t.db, letter.id)).deliveredAt).toBeNull();
    expect(await t.db.getRepository(ResponseClock).findOneBy({ letterId: letter.id })).toBeNull();
  });

  test('the API gives the clock as a state and ISO dates', async () => {
    const letter = await anOldLetter(t.db, owner);
    const delivered = addDays(dayOf(new Date()), -3);
    await recordDelivery(b, letter.slug, { deliveredAt: delivered, responseDueOn: addDays(delivered, 14) });
    const api = await readLetter(t.db, await reloaded(t.db, letter.id), 'http://undersigned.test');
    expect(api.responseClock).toEqual({
      state: 'awaiting',
      deliveredAt: new Date(`${delivered}T12:00:00Z`).toISOString(),
      dueOn: addDays(delivered, 14),
      overdueDays: null,
      answeredOn: null,
      answerKind: null,
    });
  });
});
