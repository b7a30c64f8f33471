import { z } from 'zod';
import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../audit';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../letters/letter.entity';
import { findLetterBySlug } from '../letters/letters.service';
import { AppError } from '../../platform/web/errors';
import { LetterOrganiser, type LetterRole } from './letter-organiser.entity';
import { normaliseOrganiserEmail, Organiser } from './organiser.entity';

/**
 * What the organiser command was given cannot be used (a bad address, an unknown letter). A 422
 * wherever it surfaces; its message, for the operator at the shell, says which input and why.
 */
export class OrganiserInputError extends AppError {
  constructor(reason: string) {
    super(422, 'organiser_input', 'errors.validation');
    this.message = reason;
  }
}

const emailSchema = z.string().email();

/** Adds an organiser (or renames an existing one when a name is given). Idempotent. */
export async function addOrganiser(
  db: DataSource,
  email: string,
  name?: string,
): Promise<{ organiser: Organiser; created: boolean }> {
  const normalised = normaliseOrganiserEmail(email);
  if (!emailSchema.safeParse(normalised).success || normalised.length > 320) {
    throw new OrganiserInputError(`not a valid email address: ${email}`);
  }
  const cleanName = (name ?? '').normalize('NFC').trim();
  if (cleanName.length > 200) throw new OrganiserInputError('the name is longer than 200 characters');
  const repo = db.getRepository(Organiser);
  const inserted = (await repo
    .createQueryBuilder()
    .insert()
    .values({ email: normalised, name: cleanName })
    .orIgnore()
    .returning(['id'])
    .execute()) as { raw: Array<{ id: string }> };
  const created = inserted.raw.length > 0;
  if (!created && cleanName) await repo.update({ email: normalised }, { name: cleanName });
  return { organiser: await repo.findOneByOrFail({ email: normalised }), created };
}

/** Makes an organiser an admin of the instance, or no longer one. Answers the organiser, or null for an unknown address. */
export async function setAdmin(
  db: DataSource | EntityManager,
  email: string,
  isAdmin: boolean,
): Promise<Organiser | null> {
  const repo = db.getRepository(Organiser);
  const normalised = normaliseOrganiserEmail(email);
  await repo.update({ email: normalised }, { isAdmin });
  return repo.findOneBy({ email: normalised });
}

/** Gives an organiser a role on a letter (replacing the role they had). */
export async function grantRole(
  db: DataSource | EntityManager,
  email: string,
  slug: string,
  role: LetterRole,
): Promise<{ organiser: Organiser; letter: Letter }> {
  const organiser = await db.getRepository(Organiser).findOneBy({ email: normaliseOrganiserEmail(email) });
  if (!organiser) throw new OrganiserInputError(`no organiser with the address ${email} (add one first)`);
  const letter = await findLetterBySlug(db, slug);
  if (!letter) throw new OrganiserInputError(`no letter with the slug ${slug}`);
  await db.transaction(async (tx) => {
    await tx
      .createQueryBuilder()
      .insert()
      .into(LetterOrganiser)
      .values({ letterId: letter.id, organiserId: organiser.id, role })
      .orUpdate(['role'], ['letter_id', 'organiser_id'])
      .execute();
    // Given from the command line, by whoever runs the server: no organiser acted.
    await recordAudit(tx, {
      letterId: letter.id,
      actor: null,
      kind: 'organisers.role-granted',
      detail: { organiserId: organiser.id, role, member: organiser.name },
    });
  });
  return { organiser, letter };
}

export interface LetterTeamMember {
  organiserId: string;
  email: string;
  name: string;
  role: LetterRole;
}

/** Who holds a role on a letter, owners first. */
export async function letterTeam(db: DataSource, letterId: string): Promise<LetterTeamMember[]> {
  const rows: Array<{ id: string; email: string; name: string; role: LetterRole }> = await db.query(
    `SELECT o.id, o.email, o.name, lo.role FROM letter_organisers lo JOIN organisers o ON o.id = lo.organiser_id
      WHERE lo.letter_id = $1 ORDER BY lo.role DESC, o.email`,
    [letterId],
  );
  return rows.map((r) => ({ organiserId: r.id, email: r.email, name: r.name, role: r.role }));
}

/**
 * Takes an organiser off a letter; the last owner stays (a letter always has someone to run it).
 * What the member handed out on the letter (API tokens, recipient links, webhooks) ends with the
 * removal, in its transaction: the database does it (migration AccessEndsWithOwner), recording
 * each item in the trail with `actor` as the one who acted. With `handOver`, the acting owner takes
 * the items over instead and they stay active; someone leaving has nobody to hand them to.
 */
export async function removeRole(
  db: DataSource,
  letterId: string,
  organiserId: string,
  actor: AuditActor,
  opts: { handOver?: boolean } = {},
): Promise<'removed' | 'last-owner' | 'not-found'> {
  return db.transaction(async (tx) => {
    // Lock the letter's team so two owners removing each other cannot leave none.
    const team: Array<{ organiser_id: string; role: LetterRole; name: string }> = await tx.query(
      `SELECT lo.organiser_id, lo.role, o.name FROM letter_organisers lo JOIN organisers o ON o.id = lo.organiser_id
        WHERE lo.letter_id = $1 FOR UPDATE OF lo`,
      [letterId],
    );
    const member = team.find((m) => m.organiser_id === organiserId);
    if (!member) return 'not-found';
    if (member.role === 'owner' && team.filter((m) => m.role === 'owner').length === 1) return 'last-owner';
    const heir =
      opts.handOver && actor.id !== organiserId && team.some((m) => m.organiser_id === actor.id && m.role === 'owner')
        ? actor.id
        : '';
    await actAs(tx, actor, heir);
    await tx.delete(LetterOrganiser, { letterId, organiserId });
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'organisers.member-removed',
      detail: { organiserId, role: member.role, member: member.name, ...(heir ? { handedOver: true } : {}) },
    });
    return 'removed';
  });
}

/**
 * Tells the database, for the rest of this transaction, who acts and who takes over what a
 * removed member handed out (see migration AccessEndsWithOwner); empty `heir`: it is revoked.
 */
async function actAs(tx: EntityManager, actor: AuditActor | null, heir: string): Promise<void> {
  await tx.query(
    `SELECT set_config('undersigned.actor_id', $1, true), set_config('undersigned.actor_name', $2, true), set_config('undersigned.hand_over_to', $3, true)`,
    [actor?.id ?? '', actor?.name ?? '', heir],
  );
}

/** The names of these organisers, by id ('' for one without a name); ids of no organiser are left out. */
export async function organiserNames(
  db: DataSource | EntityManager,
  ids: ReadonlyArray<string | null>,
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => !!id))];
  if (!wanted.length) return new Map();
  const rows = await db.query<Array<{ id: string; name: string }>>(
    `SELECT id, name FROM organisers WHERE id = ANY($1::uuid[])`,
    [wanted],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Turns an organiser's daily digest email on or off. */
export async function setDigestEnabled(ctx: AppContext, organiserId: string, enabled: boolean): Promise<void> {
  await ctx.db.getRepository(Organiser).update({ id: organiserId }, { digestEnabled: enabled });
  ctx.log.info({ organiserId, enabled }, 'digest setting changed');
}

/**
 * How an organiser appears in a letter's audit trail: their id and the name they go by (empty when
 * they gave none: the trail then shows "an organiser"). Never their address: the trail cannot be
 * changed, so nothing in it could be erased later. Every place that records an action uses this.
 */
export function auditActor(organiser: Pick<Organiser, 'id' | 'name'>): AuditActor {
  return { id: organiser.id, name: organiser.name };
}

/** The audit actor for an organiser id (null for none, or an organiser since deleted). */
export async function auditActorById(
  db: DataSource | EntityManager,
  organiserId: string | null,
): Promise<AuditActor | null> {
  if (!organiserId) return null;
  const organiser = await db
    .getRepository(Organiser)
    .findOne({ where: { id: organiserId }, select: { id: true, name: true } });
  return organiser ? auditActor(organiser) : null;
}
