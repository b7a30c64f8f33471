import { TextDiffs1765000100000 } from '../../../migrations/1765000100000-TextDiffs';
import { LetterTextVersion } from '../../../src/core/letters/letter-text-version.entity';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { relayOutbox } from '../../../src/platform/mail/outbox-relay';
import { computeTextDiffs } from '../../../src/features/versions/text-diffs.service';
import { TASK_TEXT_DIFFS, type TextDiffsJob } from '../../../src/features/versions/versions.queue';
import { aLetter } from '../../support/factories';
import { browser, useTestApp } from '../../support/test-app';

// No worker: the test runs the job the migration queues.
const t = useTestApp({}, { worker: false });

test('versions kept before the diffs were stored get theirs from a job the migration queues', async () => {
  // A text changed before this migration: a kept version, the translation at version 2, no job.
  const letter = await aLetter(t.db);
  const tr = await t.db.getRepository(LetterTranslation).findOneByOrFail({ letterId: letter.id, language: 'en' });
  await t.db.getRepository(LetterTextVersion).save({
    letterId: letter.id,
    language: 'en',
    version: 1,
    title: tr.title,
    body: 'We ask for justice.',
    publishedAt: new Date(),
  });
  await t.db
    .getRepository(LetterTranslation)
    .update({ letterId: letter.id, language: 'en' }, { body: 'We demand justice.', textVersion: 2 });

  const qr = t.db.createQueryRunner();
  await qr.connect();
  await qr.startTransaction();
  try {
    const migration = new TextDiffs1765000100000();
    await migration.down(qr);
    await migration.up(qr);
    await qr.commitTransaction();
  } catch (e) {
    await qr.rollbackTransaction();
    throw e;
  } finally {
    await qr.release();
  }
  const diff = () => browser(t.app).agent.get(`/letters/${letter.slug}/diff?lang=en&from=1&to=2`).expect(200);
  expect((await diff()).text).toContain('is being prepared');

  // The worker relays the outbox into the queue and runs the job.
  while ((await relayOutbox(t.db)) > 0);
  const jobs = await t.db.query<Array<{ payload: TextDiffsJob }>>(
    `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id
      WHERE k.identifier = $1 AND j.payload->>'letterId' = $2`,
    [TASK_TEXT_DIFFS, letter.id],
  );
  expect(jobs.map((j) => j.payload)).toEqual([{ letterId: letter.id, language: 'en' }]);
  expect(await computeTextDiffs(t.ctx, jobs[0].payload)).toBe(1);
  const page = (await diff()).text;
  expect(page).toMatch(/\[removed: <\/span>ask for/);
  expect(page).toMatch(/\[added: <\/span>demand/);
});
