import { z } from 'zod';
import type { DataSource } from 'typeorm';
import type { AuditActor } from '../../core/audit';
import {
  type HandedOutAccess,
  type MemberAccessFn,
  normaliseOrganiserEmail,
  removeFromInstance,
} from '../../core/access';
import { TASK_ORGANISER_SIGN_IN_EMAIL, type SignInEmailJob } from '../../core/access/sign-in.service';
import type { AppContext } from '../../platform/context';
import { enqueue } from '../../platform/mail/queue';
import { recordInstanceAudit } from './instance-audit.service';

/** Organisers per page of the admins' list. */
export const ORGANISERS_PAGE = 50;

export interface OrganiserRow {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  letters: number;
  unconfirmed: boolean;
  createdAt: Date;
}

/** One page of the instance's organisers, by address; `after` is the last address of the page before. */
export async function listOrganisers(
  db: DataSource,
  after?: string,
): Promise<{ organisers: OrganiserRow[]; next: string | null }> {
  const rows = await db.query<
    Array<{
      id: string;
      email: string;
      name: string;
      is_admin: boolean;
      letters: number;
      unconfirmed: boolean;
      created_at: Date;
    }>
  >(
    `SELECT o.id, o.email, o.name, o.is_admin, o.unconfirmed_since IS NOT NULL AS unconfirmed, o.created_at,
            (SELECT count(*)::int FROM letter_organisers lo WHERE lo.organiser_id = o.id) AS letters
       FROM organisers o WHERE $1::text IS NULL OR o.email > $1 ORDER BY o.email LIMIT $2`,
    [after ?? null, ORGANISERS_PAGE + 1],
  );
  const organisers = rows.slice(0, ORGANISERS_PAGE).map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    isAdmin: r.is_admin,
    letters: r.letters,
    unconfirmed: r.unconfirmed,
    createdAt: r.created_at,
  }));
  return { organisers, next: rows.length > ORGANISERS_PAGE ? organisers[organisers.length - 1].email : null };
}

export const inviteSchema = z.object({
  email: z
    .string({ message: 'admin.errors.email' })
    .transform((s) => normaliseOrganiserEmail(s))
    .pipe(z.string().max(320, { message: 'admin.errors.email' }).email({ message: 'admin.errors.email' })),
  name: z
    .string()
    .optional()
    .transform((s) => (s ?? '').normalize('NFC').trim())
    .pipe(z.string().max(200, { message: 'admin.errors.tooLong' })),
});

/**
 * An admin invites someone to organise on the instance: the account is made (or found) and the
 * organisers' sign-in email goes to the address, in the admin's language. Recorded by name only.
 */
export async function inviteOrganiser(
  ctx: AppContext,
  admin: AuditActor,
  input: { email: string; name: string },
  language: string,
): Promise<{ created: boolean }> {
  return ctx.db.transaction(async (tx) => {
    const inserted = await tx.query<Array<{ id: string }>>(
      `INSERT INTO organisers (email, name) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [input.email, input.name],
    );
    // Invited again: confirmed, as an admin vouches for the address (an UPDATE answers rows and count).
    const [organiser] = inserted.length
      ? inserted
      : (
          await tx.query<[Array<{ id: string }>, number]>(
            `UPDATE organisers SET unconfirmed_since = NULL WHERE email = $1 RETURNING id`,
            [input.email],
          )
        )[0];
    await recordInstanceAudit(tx, {
      actor: admin,
      action: 'admin.organiser-invited',
      detail: { organiserId: organiser.id, member: input.name, created: inserted.length > 0 },
    });
    const job: SignInEmailJob = { organiserId: organiser.id, language };
    await enqueue(tx, TASK_ORGANISER_SIGN_IN_EMAIL, job, { maxAttempts: 5 });
    ctx.log.info({ organiserId: organiser.id }, 'organiser invited by an admin');
    return { created: inserted.length > 0 };
  });
}

export type AdminRoleOutcome = 'done' | 'self' | 'not-found';

/** Makes an organiser an admin, or no longer one; an admin cannot take their own role (someone else must). */
export async function setAdminRole(
  ctx: AppContext,
  admin: AuditActor,
  organiserId: string,
  isAdmin: boolean,
): Promise<AdminRoleOutcome> {
  if (!isAdmin && organiserId === admin.id) return 'self';
  return ctx.db.transaction(async (tx) => {
    // An UPDATE answers its rows and their count.
    const [[row]] = await tx.query<[Array<{ name: string }>, number]>(
      `UPDATE organisers SET is_admin = $2 WHERE id = $1 RETURNING name`,
      [organiserId, isAdmin],
    );
    if (!row) return 'not-found';
    await recordInstanceAudit(tx, {
      actor: admin,
      action: isAdmin ? 'admin.admin-granted' : 'admin.admin-revoked',
      detail: { organiserId, member: row.name },
    });
    return 'done';
  });
}

export interface InstanceRemovalPreview {
  organiser: { id: string; email: string; name: string };
  /** Per letter they are on: its slug, their role, what the removal ends, and whether the admin takes it over. */
  letters: Array<{ slug: string; role: string; takeOver: boolean; groups: HandedOutAccess[] }>;
}

/** What removing an organiser from the instance would end, for the admin to confirm. */
export async function instanceRemovalPreview(
  db: DataSource,
  organiserId: string,
  kinds: readonly MemberAccessFn[],
): Promise<InstanceRemovalPreview | null> {
  const [organiser] = await db.query<Array<{ id: string; email: string; name: string }>>(
    `SELECT id, email, name FROM organisers WHERE id = $1`,
    [organiserId],
  );
  if (!organiser) return null;
  const teams = await db.query<Array<{ letter_id: string; slug: string; role: string; owners: number }>>(
    `SELECT lo.letter_id, l.slug, lo.role,
            (SELECT count(*)::int FROM letter_organisers x WHERE x.letter_id = lo.letter_id AND x.role = 'owner') AS owners
       FROM letter_organisers lo JOIN letters l ON l.id = lo.letter_id WHERE lo.organiser_id = $1 ORDER BY l.slug`,
    [organiserId],
  );
  const letters = [];
  for (const team of teams) {
    const groups = (await Promise.all(kinds.map((list) => list(db, team.letter_id, organiserId)))).filter(
      (g) => g.items.length > 0,
    );
    letters.push({ slug: team.slug, role: team.role, takeOver: team.role === 'owner' && team.owners === 1, groups });
  }
  return { organiser, letters };
}

export type RemoveOutcome = 'removed' | 'self' | 'not-found';

/** Removes an organiser from the instance (see removeFromInstance), recorded in the instance's trail. */
export async function removeOrganiser(ctx: AppContext, admin: AuditActor, organiserId: string): Promise<RemoveOutcome> {
  if (organiserId === admin.id) return 'self';
  return ctx.db.transaction(async (tx) => {
    const removed = await removeFromInstance(tx, organiserId, admin);
    if (!removed) return 'not-found';
    await recordInstanceAudit(tx, {
      actor: admin,
      action: 'admin.organiser-removed',
      detail: {
        organiserId,
        member: removed.name,
        letters: removed.letters.length,
        takenOver: removed.takenOver.length,
      },
    });
    ctx.log.info({ organiserId }, 'organiser removed from the instance');
    return 'removed';
  });
}
