/**
 * "Similar letters already on this site": trigram similarity over every version's title and
 * summary, only public letters, never the letter itself, served by the trigram index.
 */
import { similarLetters } from '../../../src/features/start';
import { LetterTranslation } from '../../../src/core/letters/letter-translation.entity';
import { Letter } from '../../../src/core/letters/letter.entity';
import { aLetter } from '../../support/factories';
import { useTestApp } from '../../support/test-app';

const t = useTestApp({}, { worker: false });

async function withVersion(letter: Letter, language: 'ru' | 'fr', title: string, summary: string) {
  await t.db
    .getRepository(LetterTranslation)
    .save({ letterId: letter.id, language, title, summary, body: 'Текст.', recipient: 'X' });
}

test('finds a public letter by a title close in any of its languages, and nothing unseen', async () => {
  const stamp = Date.now().toString(36);
  const english = await aLetter(t.db, { title: `Free the journalist Sultan ${stamp}` });
  const russian = await aLetter(t.db, { title: `Unrelated English title ${stamp} zz` });
  await withVersion(russian, 'ru', `Освободите журналиста Махамбета ${stamp}`, 'Мы просим освободить журналиста.');
  const hidden = await aLetter(t.db, { title: `Free the journalist Sultan ${stamp} now` });
  await t.db.getRepository(Letter).update({ id: hidden.id }, { reviewState: 'submitted' });
  const draft = await aLetter(t.db, { title: `Free the journalist Sultan ${stamp} please`, status: 'draft' });

  const found = await similarLetters(t.db, `Free journalist Sultan ${stamp}`, null);
  const slugs = found.map((f) => f.slug);
  expect(slugs).toContain(english.slug);
  expect(slugs).not.toContain(hidden.slug);
  expect(slugs).not.toContain(draft.slug);

  const inRussian = await similarLetters(t.db, `Освободить журналиста Махамбета ${stamp}`, null);
  expect(inRussian.map((f) => f.slug)).toContain(russian.slug);
  expect(inRussian.find((f) => f.slug === russian.slug)?.language).toBe('ru');

  // Never the letter itself.
  expect(
    (await similarLetters(t.db, `Free the journalist Sultan ${stamp}`, english.id)).map((f) => f.slug),
  ).not.toContain(english.slug);
  expect(await similarLetters(t.db, 'qqqq xxxx zzzz wwww', null)).toEqual([]);
});

test('the search is served by the trigram index, not by reading every version', async () => {
  const plan = await t.db.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off');
    return tx.query<Array<{ 'QUERY PLAN': string }>>(
      `EXPLAIN SELECT 1 FROM letter_translations t WHERE public.letter_similarity_text(t.title, t.summary) % 'free the journalist'`,
    );
  });
  expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('letter_translations_similarity');
});
