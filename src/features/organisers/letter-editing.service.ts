import type { EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import { Letter, type Language } from '../../core/letters/letter.entity';
import { LetterTranslation } from '../../core/letters/letter-translation.entity';
import { forgetCachedLetter } from '../../core/letters/letters.service';
import { firstVersionNumber, keepRemovedText, versionForEdit } from '../versions';
import {
  type ClockForm,
  clockSettingsFor,
  endProgressDigest,
  MAX_DUE_DAYS,
  saveResponseClock,
} from '../response-clock';
import { Forbidden } from '../../platform/web/errors';
import { OWNER_ONLY } from '../../core/access/auth.middleware';
import { LetterOrganiser, type LetterRole } from '../../core/access/letter-organiser.entity';
import { needsReview, startPolicy } from '../admin';
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

/** The stored translations of a letter, locked until the transaction ends: two editors saving at once take turns. */
function lockTranslations(tx: EntityManager, letterId: string): Promise<LetterTranslation[]> {
  return tx
    .getRepository(LetterTranslation)
    .createQueryBuilder('t')
    .setLock('pessimistic_write')
    .where('t.letter_id = :letterId', { letterId })
    .getMany();
}

/** What a save did to the texts: each language saved with its text's number, and the languages whose words changed. */
interface SavedTexts {
  versions: Partial<Record<Language, number>>;
  changed: Language[];
}

/**
 * Writes the translations of the input over the stored ones. A change to words people signed
 * makes a new text version (versionForEdit, versions' index); a removed translation people signed
 * keeps its words as a version; a new one starts after any version its language had before.
 */
async function replaceTranslations(tx: EntityManager, letterId: string, input: LetterInput): Promise<SavedTexts> {
  const stored = await lockTranslations(tx, letterId);
  const keep = input.translations.map((t) => t.language);
  for (const gone of stored.filter((t) => !keep.includes(t.language))) await keepRemovedText(tx, gone);
  await tx
    .createQueryBuilder()
    .delete()
    .from(LetterTranslation)
    .where('letter_id = :letterId AND NOT (language = ANY(:keep))', { letterId, keep })
    .execute();
  const saved: SavedTexts = { versions: {}, changed: [] };
  for (const t of input.translations) {
    const current = stored.find((x) => x.language === t.language);
    const decision = current
      ? await versionForEdit(tx, current, { title: t.title, body: t.body })
      : { version: await firstVersionNumber(tx, letterId, t.language), versionAt: new Date(), change: null };
    saved.versions[t.language] = decision.version;
    if (decision.change) saved.changed.push(t.language);
    await tx
      .createQueryBuilder()
      .insert()
      .into(LetterTranslation)
      .values({
        letterId,
        language: t.language,
        title: t.title,
        shortTitle: t.shortTitle,
        summary: t.summary,
        body: t.body,
        recipient: t.recipient,
        textVersion: decision.version,
        textVersionAt: decision.versionAt,
      })
      .orUpdate(
        ['title', 'short_title', 'summary', 'body', 'recipient', 'text_version', 'text_version_at'],
        ['letter_id', 'language'],
      )
      .execute();
  }
  return saved;
}

/** "en 2, uk 1": the languages saved with their text's number, for the audit trail's label. */
function versionList(saved: SavedTexts): string {
  return Object.entries(saved.versions)
    .map(([language, version]) => `${language} ${version}`)
    .join(', ');
}

/** Creates a letter with its versions; its creator becomes the owner. A new letter starts as a draft unless said otherwise. */
export async function createLetter(ctx: AppContext, organiser: AuditActor, input: LetterInput): Promise<SaveOutcome> {
  const organiserId = organiser.id;
  const slug = input.slug!;
  try {
    return await ctx.db.transaction(async (tx) => {
      if (await slugTaken(tx, slug)) return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
      // Under the policy that publishes after an admin approves, a letter of anyone but an admin
      // waits for review whatever its status: it is started as a review draft.
      const [starter] = await tx.query<Array<{ is_admin: boolean }>>(`SELECT is_admin FROM organisers WHERE id = $1`, [
        organiserId,
      ]);
      const reviewed = needsReview(await startPolicy(tx), { isAdmin: starter?.is_admin ?? false });
      const letter = await tx.getRepository(Letter).save({
        slug,
        reviewState: reviewed ? 'draft' : 'none',
        status: input.status ?? 'draft',
        goal: input.goal,
        closesAt: input.closesAt,
        defaultLanguage: input.defaultLanguage,
        publicNamesDefault: input.publicNamesDefault,
      });
      const saved = await replaceTranslations(tx, letter.id, input);
      await tx.insert(LetterOrganiser, { letterId: letter.id, organiserId, role: 'owner' });
      await recordAudit(tx, {
        letterId: letter.id,
        actor: organiser,
        kind: 'organisers.letter-created',
        detail: {
          languages: Object.keys(saved.versions).join(', '),
          versions: versionList(saved),
          status: letter.status,
        },
      });
      ctx.log.info({ letterId: letter.id, organiserId }, 'letter created');
      return { ok: true, slug };
    });
  } catch (e) {
    // Two organisers racing for one slug: the unique index decides, the loser gets the same message.
    if (isUniqueViolation(e, 'letters_slug_unique'))
      return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
    throw e;
  }
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

/**
 * What an editor's input would change that only an owner may: the slug (a shared link must not
 * move), the status, the closing date (closing a letter is publishing's twin), the preselected
 * name display (it decides how exposed signers are), and any version removed.
 */
export function ownerOnlyChanges(letter: Letter, input: LetterInput): string[] {
  const changes: string[] = [];
  if (input.slug !== undefined && input.slug !== letter.slug) changes.push('slug');
  if (input.status !== undefined && input.status !== letter.status) changes.push('status');
  if (day(input.closesAt) !== day(letter.closesAt)) changes.push('closesAt');
  if (input.publicNamesDefault !== letter.publicNamesDefault) changes.push('publicNamesDefault');
  const kept = new Set(input.translations.map((t) => t.language));
  if (letter.translations.some((t) => !kept.has(t.language))) changes.push('translations');
  return changes;
}

/**
 * Saves an edit. Owners may change everything; editors the text, the versions, the goal and the
 * default language. An editor's input that changes anything else (see ownerOnlyChanges) is
 * refused whole with 403: nothing of it is saved. `letter` must carry its translations.
 */
export async function updateLetter(
  ctx: AppContext,
  letter: Letter,
  role: LetterRole,
  input: LetterInput,
  actor: AuditActor,
): Promise<SaveOutcome> {
  if (role !== 'owner' && ownerOnlyChanges(letter, input).length) throw new Forbidden(OWNER_ONLY);
  const slug = input.slug ?? letter.slug;
  const status = input.status ?? letter.status;
  try {
    const outcome = await ctx.db.transaction(async (tx): Promise<SaveOutcome> => {
      if (slug !== letter.slug && (await slugTaken(tx, slug, letter.id)))
        return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
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
      const saved = await replaceTranslations(tx, letter.id, input);
      await recordAudit(tx, {
        letterId: letter.id,
        actor,
        kind: 'organisers.letter-edited',
        detail: {
          languages: Object.keys(saved.versions).join(', '),
          versions: versionList(saved),
          textChanged: saved.changed,
        },
      });
      if (status !== letter.status) {
        await recordAudit(tx, {
          letterId: letter.id,
          actor,
          kind: 'organisers.letter-status-changed',
          detail: { from: letter.status, to: status },
        });
      }
      if (day(input.closesAt) !== day(letter.closesAt)) {
        await recordAudit(tx, {
          letterId: letter.id,
          actor,
          kind: 'organisers.letter-closing-changed',
          detail: { from: day(letter.closesAt) ?? '—', to: day(input.closesAt) ?? '—' },
        });
      }
      ctx.log.info({ letterId: letter.id, status, textChanged: saved.changed }, 'letter saved');
      return { ok: true, slug };
    });
    // After the commit: a signature arriving meanwhile must not cache the old version again.
    forgetCachedLetter(letter.id, letter.slug, slug);
    return outcome;
  } catch (e) {
    if (isUniqueViolation(e, 'letters_slug_unique'))
      return { ok: false, errors: { slug: 'organisers.errors.slugTaken' } };
    throw e;
  }
}

export interface DeliveryInput {
  deliveredAt: Date | null;
  deliveredTo: string | null;
  deliveryNote: string | null;
}

// A date typed by an organiser is a calendar day where they are: it may be "today" up to 14 hours
// ahead of UTC (UTC+14) and a letter created just after midnight UTC was created "yesterday" up to
// 12 hours behind it (UTC-12). Beyond those, the day has not come yet, or the letter did not exist.
const EARLIEST_ZONE_MS = 14 * 3600_000;
const LATEST_ZONE_MS = 12 * 3600_000;

/** Why a delivery date cannot be right (a message key), or null. Days are compared as YYYY-MM-DD. */
export function deliveryDateProblem(deliveredAt: Date, letterCreatedAt: Date, now = new Date()): string | null {
  const delivered = day(deliveredAt)!;
  if (delivered > day(new Date(now.getTime() + EARLIEST_ZONE_MS))!) return 'organisers.errors.deliveryFuture';
  if (delivered < day(new Date(letterCreatedAt.getTime() - LATEST_ZONE_MS))!)
    return 'organisers.errors.deliveryBeforeLetter';
  return null;
}

/**
 * Records (or, with an empty date, clears) the delivery shown on the public letter page: owners
 * only (the caller checks the role). The date must be neither in the future nor before the letter
 * existed. What the date typed here does not decide is when signers' data is erased: retention
 * counts from the moment the delivery is recorded.
 */
export async function recordDelivery(
  ctx: AppContext,
  letter: Letter,
  input: DeliveryInput,
  actor: AuditActor,
  clockForm: ClockForm | null = null,
): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
  const problem = input.deliveredAt ? deliveryDateProblem(input.deliveredAt, letter.createdAt) : null;
  if (problem) return { ok: false, errors: { deliveredAt: problem } };
  // The response clock comes with the delivery: a due day after it, reminders if asked.
  const clock =
    input.deliveredAt && clockForm ? clockSettingsFor(clockForm, day(input.deliveredAt)!, MAX_DUE_DAYS) : null;
  if (clock && !clock.ok) return { ok: false, errors: clock.errors };
  // Delivery retention counts from the moment a delivery is recorded here, not from the date
  // typed: a new or changed date restarts it, a note or recipient corrected keeps it, none clears it.
  await ctx.db.transaction(async (tx) => {
    await tx
      .createQueryBuilder()
      .update(Letter)
      .set({
        ...input,
        deliveryRecordedAt: () =>
          'CASE WHEN CAST(:deliveredAt AS timestamptz) IS NULL THEN NULL ' +
          'WHEN delivered_at = CAST(:deliveredAt AS timestamptz) AND delivery_recorded_at IS NOT NULL THEN delivery_recorded_at ELSE now() END',
      })
      .where('id = :id', { id: letter.id })
      .setParameters({ deliveredAt: input.deliveredAt })
      .execute();
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      ...(input.deliveredAt
        ? {
            kind: 'organisers.delivery-recorded',
            detail: { deliveredOn: day(input.deliveredAt), deliveredTo: input.deliveredTo },
          }
        : { kind: 'organisers.delivery-cleared' }),
    });
    if (!input.deliveredAt) await saveResponseClock(tx, letter.id, null, actor);
    else if (clock?.ok) await saveResponseClock(tx, letter.id, clock.settings, actor);
    // Delivered: the addressees get their links; the addresses kept for progress digests go.
    if (input.deliveredAt) await endProgressDigest(tx, letter.id);
  });
  ctx.log.info({ letterId: letter.id, delivered: !!input.deliveredAt }, 'delivery recorded');
  return { ok: true };
}
