import { AuditEvent } from '../../../src/core/audit';
import {
  ProgressDigest,
  queueDueProgressDigests,
  TASK_PROGRESS_DIGEST_EMAIL,
} from '../../../src/features/response-clock';
import { drained } from '../../support/jobs';
import { anOrganiser, postForm, signInAs, type Browser } from '../../support/organisers';
import { useTestApp } from '../../support/test-app';
import { addDays, anOldLetter, dayOf, recordDelivery } from './support';

const t = useTestApp();
let owner: Awaited<ReturnType<typeof anOrganiser>>;
let b: Browser;
beforeAll(async () => {
  owner = await anOrganiser(t.db, { name: 'Progress Owner' });
  b = await signInAs(t.app, t.smtp, owner.email);
});

let n = 0;
const address = (who: string) => `${who}-${Date.now()}-${n++}@parliament.example`;
const HOUR = 3_600_000;

function saveProgress(slug: string, form: Record<string, string>) {
  const page = `/organise/letters/${slug}`;
  return postForm(b, page, `${page}/progress`, form);
}

/** `count` signatures counted, one delta row each, as confirmations write them. */
async function signatures(letterId: string, count: number): Promise<void> {
  await t.db.query(
    `INSERT INTO signature_count_deltas (letter_id, country, delta) SELECT $1, 'FR', 1 FROM generate_series(1, $2)`,
    [letterId, count],
  );
}

async function runAt(at: Date): Promise<number> {
  const queued = await queueDueProgressDigests(t.ctx, at);
  await drained(t.db, TASK_PROGRESS_DIGEST_EMAIL);
  return queued;
}

describe('progress to the addressees before the delivery', () => {
  test('off unless the owners turn it on', async () => {
    const letter = await anOldLetter(t.db, owner);
    await signatures(letter.id, 120);
    const dashboard = await b.agent.get(`/organise/letters/${letter.slug}`).expect(200);
    expect(dashboard.text).toMatch(/<input type="checkbox" name="progress" id="progress-on">/);
    await runAt(new Date());
    expect(await t.db.getRepository(ProgressDigest).countBy({ letterId: letter.id })).toBe(0);
  });

  test('at milestones: one message per address for many signatures, at most one a day, never one per signature', async () => {
    const letter = await anOldLetter(t.db, owner);
    const [mayor, deputy] = [address('mayor'), address('deputy')];
    const planned = addDays(dayOf(new Date()), 20);
    const saved = await saveProgress(letter.slug, {
      progress: 'on',
      addresses: `${mayor}\n${deputy}`,
      plannedOn: planned,
      cadence: 'milestones',
    });
    expect(saved.status).toBe(303);
    expect(
      await t.db.getRepository(AuditEvent).findOneByOrFail({ letterId: letter.id, kind: 'responseClock.progress-on' }),
    ).toMatchObject({ detail: { cadence: 'milestones', addresses: 2, plannedOn: planned } });

    const start = new Date();
    await signatures(letter.id, 150);
    await runAt(start);
    const [first] = await t.smtp.waitFor(mayor, 1);
    expect(first.text).toContain('150 people have signed');
    expect(first.text).toContain(
      new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${planned}T00:00:00Z`)),
    );
    expect(t.smtp.to(deputy)).toHaveLength(1);
    // The cron again, and a thousand more signatures within the day: nothing until a day has passed.
    expect(await runAt(start)).toBe(0);
    await signatures(letter.id, 900);
    expect(await runAt(new Date(start.getTime() + 2 * HOUR))).toBe(0);
    expect(await runAt(new Date(start.getTime() + 25 * HOUR))).toBe(1);
    const mails = await t.smtp.waitFor(mayor, 2);
    expect(mails[1].text).toContain('1,050 people have signed');
    // No new milestone: nothing more.
    await signatures(letter.id, 5);
    expect(await runAt(new Date(start.getTime() + 60 * HOUR))).toBe(0);
    expect(t.smtp.to(mayor)).toHaveLength(2);
    expect(t.smtp.to(deputy)).toHaveLength(2);
    expect(
      await t.db.getRepository(AuditEvent).countBy({ letterId: letter.id, kind: 'responseClock.progress-sent' }),
    ).toBe(2);

    // The delivery is recorded: the addresses go, and so do the messages.
    expect(
      (await recordDelivery(b, letter.slug, { deliveredAt: dayOf(new Date()), responseWithin: '30' })).status,
    ).toBe(303);
    expect(await t.db.getRepository(ProgressDigest).countBy({ letterId: letter.id })).toBe(0);
    await signatures(letter.id, 9000);
    expect(await runAt(new Date(start.getTime() + 100 * HOUR))).toBe(0);
    expect(t.smtp.to(mayor)).toHaveLength(2);
  });

  test('weekly: once a week whatever the signatures; a letter no longer open forgets the addresses', async () => {
    const letter = await anOldLetter(t.db, owner);
    const clerk = address('clerk');
    expect((await saveProgress(letter.slug, { progress: 'on', addresses: clerk, cadence: 'weekly' })).status).toBe(303);
    const start = new Date();
    await signatures(letter.id, 30);
    expect(await runAt(start)).toBe(1);
    await signatures(letter.id, 30);
    expect(await runAt(new Date(start.getTime() + 3 * 24 * HOUR))).toBe(0);
    expect(await runAt(new Date(start.getTime() + 7 * 24 * HOUR))).toBe(1);
    const mails = await t.smtp.waitFor(clerk, 2);
    expect(mails[1].text).toContain('60 people have signed');
    await t.db.query(`UPDATE letters SET status = 'closed' WHERE id = $1`, [letter.id]);
    expect(await runAt(new Date(start.getTime() + 14 * 24 * HOUR))).toBe(0);
    expect(await t.db.getRepository(ProgressDigest).countBy({ letterId: letter.id })).toBe(0);
    expect(t.smtp.to(clerk)).toHaveLength(2);
  });

  test('bad addresses, too many, or none: a message and nothing saved; turned off, the addresses are deleted', async () => {
    const letter = await anOldLetter(t.db, owner);
    const bad = await saveProgress(letter.slug, { progress: 'on', addresses: 'not-an-address', cadence: 'weekly' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter valid email addresses, one a line.');
    const many = await saveProgress(letter.slug, {
      progress: 'on',
      addresses: [1, 2, 3, 4, 5, 6].map((i) => `a${i}@x.example`).join('\n'),
      cadence: 'weekly',
    });
    expect(many.status).toBe(422);
    expect(many.text).toContain('At most five addresses.');
    const none = await saveProgress(letter.slug, { progress: 'on', addresses: '', cadence: 'weekly' });
    expect(none.status).toBe(422);
    expect(await t.db.getRepository(ProgressDigest).countBy({ letterId: letter.id })).toBe(0);
    await saveProgress(letter.slug, { progress: 'on', addresses: 'a@x.example', cadence: 'weekly' });
    expect(await t.db.getRepository(ProgressDigest).countBy({ letterId: letter.id })).toBe(1);
    expect((await saveProgress(letter.slug, { addresses: 'a@x.example', cadence: 'weekly' })).status).toBe(303);
    expect(await t.db.getRepository(ProgressDigest).countBy({ letterId: letter.id })).toBe(0);
    expect(
      await t.db.getRepository(AuditEvent).countBy({ letterId: letter.id, kind: 'responseClock.progress-off' }),
    ).toBe(1);
  });
});
