import type { EntityManager } from 'typeorm';
import type { AppContext } from '../context';
import { Letter } from '../letters/letter.entity';
import { LetterTranslation } from '../letters/letter-translation.entity';
import { forgetSignableLetter } from '../letters/letters.service';
import { Forbidden } from '../web/errors';
import { LetterOrganiser, type LetterRole } from './letter-organiser.entity';
import type { LetterInput } from './letter-form.schema';

export type SaveOutcome = { ok: true; slug: string } | { ok: false; errors: Record<string, string> };

function isUniqueViolation(e: unknown, constraint: string): boolean {
  const err = e as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const d = err.driverError ?? err;
  return d.code === '23505' && d.constraint === constraint;
}

async function slugTaken(tx: EntityManager, slug: string, exceptId?: string): Promise<boolean> {
  const other = await tx.getRepository(Letter).findOneBy({ slug });
  return !!other && other.id !== exceptId;
}

async function replaceTranslations(tx: EntityManager, letterId: string, input: LetterInput): Promise<void> {
  const keep = input.translations.map((t) => t.language);
  await tx
    .createQueryBuilder()
    .delete()
    .from(LetterTranslation)
    .where('letter_id = :letterId AND NOT (language = ANY(:keep))', { letterId, keep })
    .execute();
  for (const t of input.translations) {
    await tx
      .createQueryBuilder()
      .insert()
      .into(LetterTranslation)
      .values({ letterId, language: t.language, title: t.title, shortTitle: t.shortTitle, summary: t.summary, body: t.body, recipient: t.recipient })
      .orUpdate(['title', 'short_title', 'summary', 'body', 'recipient'], ['letter_id', 'language'])
      .execute();
  }
}

/** Creates a letter with its versions; its creator becomes the owner. A new letter starts as a draft unless said otherwise. */
export async function createLetter(ctx: AppContext, organiserId: string, input: LetterInput): Promise<SaveOutcome> {
  const slug = input.slug!;
  try {
    return await ctx.db.transaction(async (tx) => {
      if (await slugTaken(tx, slug)) return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
      const letter = await tx.getRepository(Letter).save({
        slug,
        status: input.status ?? 'draft',
        goal: input.goal,
        closesAt: input.closesAt,
        defaultLanguage: input.defaultLanguage,
        publicNamesDefault: input.publicNamesDefault,
      });
      await replaceTranslations(tx, letter.id, input);
      await tx.insert(LetterOrganiser, { letterId: letter.id, organiserId, role: 'owner' });
      ctx.log.info({ letterId: letter.id, organiserId }, 'letter created');
      return { ok: true, slug };
    });
  } catch (e) {
    // Two organisers racing for one slug: the unique index decides, the loser gets the same message.
    if (isUniqueViolation(e, 'letters_slug_unique')) return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
    throw e;
  }
}

/**
 * Saves an edit. Owners may change everything; editors the text and settings but not the
 * status or the slug (a shared link must not move, and publishing is the owner's call).
 */
export async function updateLetter(ctx: AppContext, letter: Letter, role: LetterRole, input: LetterInput): Promise<SaveOutcome> {
  const slug = input.slug ?? letter.slug;
  const status = input.status ?? letter.status;
  if (role !== 'owner' && (slug !== letter.slug || status !== letter.status)) throw new Forbidden();
  try {
    const outcome = await ctx.db.transaction(async (tx): Promise<SaveOutcome> => {
      if (slug !== letter.slug && (await slugTaken(tx, slug, letter.id))) return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
      await tx.update(
        Letter,
        { id: letter.id },
        {
          slug,
          status,
          goal: input.goal,
          closesAt: input.closesAt,
          defaultLanguage: input.defaultLanguage,
          publicNamesDefault: input.publicNamesDefault,
        },
      );
      await replaceTranslations(tx, letter.id, input);
      ctx.log.info({ letterId: letter.id, status }, 'letter saved');
      return { ok: true, slug };
    });
    // After the commit: a signature arriving meanwhile must not cache the old version again.
    forgetSignableLetter(letter.slug, slug);
    return outcome;
  } catch (e) {
    if (isUniqueViolation(e, 'letters_slug_unique')) return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
    throw e;
  }
}

export interface DeliveryInput {
  deliveredAt: Date | null;
  deliveredTo: string | null;
  deliveryNote: string | null;
}

/** Records (or, with an empty date, clears) the delivery shown on the public letter page. */
export async function recordDelivery(ctx: AppContext, letter: Letter, input: DeliveryInput): Promise<void> {
  await ctx.db.getRepository(Letter).update({ id: letter.id }, input);
  ctx.log.info({ letterId: letter.id, delivered: !!input.deliveredAt }, 'delivery recorded');
}
