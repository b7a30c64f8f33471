import type { DataSource } from 'typeorm';
import { Letter } from './letter.entity';
import { LetterTranslation } from './letter-translation.entity';
import { seedLetters } from './seed-letters';

/** Adds the sample letters and any missing translation; never overwrites what organisers edited. */
export async function seed(db: DataSource): Promise<{ lettersAdded: number; translationsAdded: number }> {
  let lettersAdded = 0;
  let translationsAdded = 0;
  await db.transaction(async (tx) => {
    for (const s of seedLetters) {
      await tx
        .createQueryBuilder()
        .insert()
        .into(Letter)
        .values({
          slug: s.slug,
          status: 'open',
          goal: s.goal,
          defaultLanguage: s.defaultLanguage,
          publicNamesDefault: s.publicNamesDefault,
        })
        .orIgnore()
        .execute()
        .then((r) => (lettersAdded += r.identifiers.filter(Boolean).length));
      const letter = await tx.findOneByOrFail(Letter, { slug: s.slug });
      for (const t of s.translations) {
        const r = await tx
          .createQueryBuilder()
          .insert()
          .into(LetterTranslation)
          .values({ letterId: letter.id, ...t })
          .orIgnore()
          .execute();
        translationsAdded += r.identifiers.filter(Boolean).length;
      }
    }
  });
  return { lettersAdded, translationsAdded };
}
