import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import { z } from 'zod';
import type { Language, Letter } from '../../core/letters/letter.entity';
import { listTextVersions, signedText, type SignedText, type TextVersion } from '../../core/letters/text-versions';
import { recordCountChanges } from '../../core/letters/counts.service';
import { Signature } from '../signatures';
import { AppError, NotFound } from '../../platform/web/errors';
import { matchingKey } from './name-match';
import { PaperImport, type PaperRow } from './paper-import.entity';

const INSERT_CHUNK = 1000;

/** The import form's choice of text: `<language>:<version>`. */
export const paperTextSchema = z.object({
  text: z
    .string()
    .regex(/^[a-z]{2}:\d{1,7}$/)
    .transform((v) => {
      const [language, version] = v.split(':');
      return { language: language as Language, version: Number(version) };
    })
    .optional(),
});

/** Every version of every language the letter has, for the organiser to say which was on paper. */
export async function paperTextChoices(ctx: AppContext, letter: Letter): Promise<TextVersion[]> {
  const lists = await Promise.all(letter.translations.map((t) => listTextVersions(ctx.db, letter, t.language)));
  return lists.flat().sort((a, b) => a.language.localeCompare(b.language) || b.version - a.version);
}

/** The chosen text when it is a real version of this letter; 422 otherwise. */
async function realTextVersion(ctx: AppContext, letter: Letter, text: SignedText): Promise<SignedText> {
  const known = await paperTextChoices(ctx, letter);
  if (!known.some((v) => v.language === text.language && v.version === text.version))
    throw new AppError(422, 'bad_version', 'versions.errors.version');
  return text;
}

export class AlreadyImported extends AppError {
  constructor() {
    super(409, 'already_imported', 'updates.paper.errors.alreadyImported');
  }
}

/**
 * Flags the valid rows whose normalised name and country match a signature made online (pending
 * or confirmed), for the organiser to decide. The names are compared in JavaScript
 * (matchingName), so the rule is one function whatever the database's collation.
 */
async function flagPossibleDuplicates(ctx: AppContext, letter: Letter, rows: PaperRow[]): Promise<PaperRow[]> {
  const countries = [...new Set(rows.filter((r) => !r.errors.length && r.country).map((r) => r.country!))];
  if (!countries.length) return rows;
  const online: Array<{ full_name: string; country: string }> = await ctx.db.query(
    `SELECT full_name, country FROM signatures
      WHERE letter_id = $1 AND source = 'online' AND status IN ('pending', 'confirmed') AND country = ANY($2)`,
    [letter.id, countries],
  );
  const known = new Set(online.map((s) => matchingKey(s.full_name, s.country)));
  return rows.map((r) =>
    !r.errors.length && r.country && known.has(matchingKey(r.name, r.country)) ? { ...r, possibleDuplicate: true } : r,
  );
}

/** Keeps the checked rows for the preview; nothing reaches the signatures until "Import". */
export async function savePreview(
  ctx: AppContext,
  letter: Letter,
  checked: PaperRow[],
  organiserId: string | null,
): Promise<PaperImport> {
  const rows = await flagPossibleDuplicates(ctx, letter, checked);
  const valid = rows.filter((r) => !r.errors.length).length;
  return ctx.db.getRepository(PaperImport).save({
    letterId: letter.id,
    createdBy: organiserId,
    rows,
    validRows: valid,
    invalidRows: rows.length - valid,
  });
}

export async function findImport(ctx: AppContext, letter: Letter, importId: string): Promise<PaperImport> {
  if (!/^[0-9a-f-]{36}$/i.test(importId)) throw new NotFound();
  const found = await ctx.db.getRepository(PaperImport).findOneBy({ id: importId, letterId: letter.id });
  if (!found) throw new NotFound();
  return found;
}

/**
 * Saves the valid rows of a preview as confirmed paper signatures, all or none, in one
 * transaction: the import row is locked first, so a double click imports once. Paper signers
 * gave no email address (NULL), are private by default, get no email, and count like any other
 * signature (one count delta per country). A possible duplicate of an online signature is saved
 * only if its line is in `include`, and then marked as matched (the integrity report counts them).
 */
export async function importPaperSignatures(
  ctx: AppContext,
  letter: Letter,
  importId: string,
  actor: AuditActor | null,
  include: ReadonlySet<number> = new Set(),
  text?: SignedText,
): Promise<number> {
  // The text printed on the sheets, as the organiser says; by default the letter's current one.
  const signed = text ? await realTextVersion(ctx, letter, text) : signedText(letter, {}, letter.defaultLanguage);
  const imported = await ctx.db.transaction(async (tx) => {
    const batch = await tx
      .getRepository(PaperImport)
      .createQueryBuilder('p')
      .setLock('pessimistic_write')
      .where('p.id = :id AND p.letter_id = :l', { id: importId, l: letter.id })
      .getOne();
    if (!batch) throw new NotFound();
    if (batch.status !== 'preview') throw new AlreadyImported();
    const valid = batch.rows.filter(
      (r) => !r.errors.length && r.country && (!r.possibleDuplicate || include.has(r.line)),
    );
    const byCountry = new Map<string, number>();
    for (let i = 0; i < valid.length; i += INSERT_CHUNK) {
      const values = valid.slice(i, i + INSERT_CHUNK).map((r) => {
        byCountry.set(r.country!, (byCountry.get(r.country!) ?? 0) + 1);
        const signedOn = new Date(`${r.date}T00:00:00Z`);
        return {
          letterId: letter.id,
          fullName: r.name,
          email: null,
          emailNormalised: null,
          country: r.country!,
          city: r.city,
          visibility: 'private' as const,
          wantsUpdates: false,
          language: letter.defaultLanguage,
          textLanguage: signed.language,
          textVersion: signed.version,
          status: 'confirmed' as const,
          source: 'paper' as const,
          matchedOnline: !!r.possibleDuplicate,
          createdAt: signedOn,
          confirmedAt: signedOn,
        };
      });
      await tx.createQueryBuilder().insert().into(Signature).values(values).execute();
    }
    await recordCountChanges(tx, letter.id, byCountry);
    // The sheet's names and cities now live in the signatures; the preview's copy goes at once.
    await tx.update(
      PaperImport,
      { id: batch.id },
      { status: 'imported', importedAt: () => 'now()', rows: () => `'[]'::jsonb` },
    );
    // The sheet by id and how many rows came in: the names stay in the signatures, not in the trail.
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'paper.signatures-imported',
      detail: { importId: batch.id, count: valid.length },
    });
    return valid.length;
  });
  ctx.log.info({ letterId: letter.id, importId, imported }, 'paper signatures imported');
  return imported;
}
