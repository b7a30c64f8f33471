import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import { Letter, type Language } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import { enqueue } from '../../platform/mail/queue';
import { hashToken, isWellFormedToken } from '../../core/tokens';
import type { LetterRole } from '../../core/access/letter-organiser.entity';
import { normaliseOrganiserEmail } from '../../core/access/organiser.entity';
import { auditActor, letterTeam, type LetterTeamMember } from '../../core/access/organisers.service';

export const TASK_TEAM_INVITATION_EMAIL = 'team-invitation-email';
/** Long enough for someone away for a few days; the link works once. */
export const INVITATION_DAYS = 7;
/** Expired invitations are deleted this long after they expire (their page says "expired" until then). */
export const INVITATION_KEEP_DAYS_AFTER_EXPIRY = 7;

export interface TeamInvitationJob {
  invitationId: string;
  /** The inviting owner's interface language: the invitee's is not known. */
  language: string;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: LetterRole;
  expiresAt: Date;
}

export interface LetterTeam {
  members: LetterTeamMember[];
  invitations: PendingInvitation[];
}

/** Who runs a letter, and who has been invited and has not answered yet (newest first). */
export async function teamOf(db: DataSource, letterId: string): Promise<LetterTeam> {
  const [members, rows] = await Promise.all([
    letterTeam(db, letterId),
    db.query<Array<{ id: string; email: string; role: LetterRole; expires_at: Date }>>(
      `SELECT id, email, role, expires_at FROM team_invitations
        WHERE letter_id = $1 AND accepted_at IS NULL AND expires_at > now() ORDER BY created_at DESC`,
      [letterId],
    ),
  ]);
  return {
    members,
    invitations: rows.map((r) => ({ id: r.id, email: r.email, role: r.role, expiresAt: r.expires_at })),
  };
}

/**
 * Invites an address onto a letter's team. The same thing happens whatever the address is (an
 * organiser's, a member's, nobody's): an invitation row and, in the same transaction, the job that
 * emails it. So the owner's page cannot tell whether an address belongs to an organiser, and
 * nobody joins without pressing "Accept". Inviting an address again replaces its pending
 * invitation (new role, new expiry) and the earlier link stops working.
 */
export async function inviteToTeam(
  ctx: AppContext,
  letter: Letter,
  input: { email: string; role: LetterRole },
  invitedBy: AuditActor,
  language: Language,
): Promise<void> {
  const email = normaliseOrganiserEmail(input.email);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<Array<{ id: string }>>(
      `INSERT INTO team_invitations (letter_id, email, role, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))
       ON CONFLICT (letter_id, email) WHERE accepted_at IS NULL
       DO UPDATE SET role = EXCLUDED.role, invited_by = EXCLUDED.invited_by, expires_at = EXCLUDED.expires_at,
                     token_hash = NULL, created_at = now()
       RETURNING id`,
      [letter.id, email, input.role, invitedBy.id, INVITATION_DAYS],
    );
    // The token is made by the worker when it sends; a job key folds repeated clicks into one email.
    const job: TeamInvitationJob = { invitationId: row.id, language };
    await enqueue(tx, TASK_TEAM_INVITATION_EMAIL, job, { jobKey: `team-invitation:${row.id}`, maxAttempts: 5 });
    // The invitation id, not the address: nothing in the trail can be erased later.
    await recordAudit(tx, {
      letterId: letter.id,
      actor: invitedBy,
      kind: 'organisers.invitation-sent',
      detail: { invitationId: row.id, role: input.role },
    });
    ctx.log.info({ letterId: letter.id, invitationId: row.id, role: input.role }, 'team invitation queued');
  });
}

/** Withdraws a pending invitation of this letter; its link stops working. False when there is none. */
export async function revokeInvitation(
  ctx: AppContext,
  letterId: string,
  invitationId: string,
  actor: AuditActor,
): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(invitationId)) return false;
  const rows = await ctx.db.transaction(async (tx) => {
    const deleted = await tx.query<Array<{ id: string }>>(
      `WITH d AS (DELETE FROM team_invitations WHERE id = $1 AND letter_id = $2 AND accepted_at IS NULL RETURNING id) SELECT id FROM d`,
      [invitationId, letterId],
    );
    if (deleted.length)
      await recordAudit(tx, { letterId, actor, kind: 'organisers.invitation-revoked', detail: { invitationId } });
    return deleted;
  });
  if (rows.length) ctx.log.info({ letterId, invitationId }, 'team invitation revoked');
  return rows.length > 0;
}

export interface InvitationEmail {
  email: string;
  role: LetterRole;
  letterTitle: string;
  inviterName: string;
  token: string;
  expiresAt: Date;
}

/**
 * For the worker: makes the invitation's token (only its hash is stored) and what the email says.
 * Null when the invitation was revoked, accepted or has expired since it was queued. A retry after
 * an SMTP failure makes a fresh token; the one never mailed is replaced.
 */
export async function issueInvitationToken(
  ctx: AppContext,
  invitationId: string,
  language: Language,
): Promise<InvitationEmail | null> {
  const token = crypto.randomBytes(32).toString('base64url');
  const [row] = await ctx.db.query<
    Array<{
      letter_id: string;
      email: string;
      role: LetterRole;
      expires_at: Date;
      inviter_name: string | null;
      inviter_email: string | null;
    }>
  >(
    // A CTE so the statement answers rows (the driver answers [rows, count] for a bare UPDATE).
    `WITH i AS (
       UPDATE team_invitations SET token_hash = $2
        WHERE id = $1 AND accepted_at IS NULL AND expires_at > now()
        RETURNING letter_id, email, role, expires_at, invited_by)
     SELECT i.letter_id, i.email, i.role, i.expires_at, o.name AS inviter_name, o.email AS inviter_email
       FROM i LEFT JOIN organisers o ON o.id = i.invited_by`,
    [invitationId, hashToken(token)],
  );
  if (!row) return null;
  const letter = await ctx.db
    .getRepository(Letter)
    .findOne({ where: { id: row.letter_id }, relations: { translations: true } });
  if (!letter) return null;
  const title = letter.translations.length
    ? chooseTranslation(letter.translations, letter.defaultLanguage, [language]).title
    : letter.slug;
  return {
    email: row.email,
    role: row.role,
    letterTitle: title,
    inviterName: row.inviter_name || row.inviter_email || '',
    token,
    expiresAt: row.expires_at,
  };
}

export interface InvitationView {
  email: string;
  role: LetterRole;
  letterSlug: string;
  letterTitle: string;
  inviterName: string;
}

export type InvitationCheck = { kind: 'valid'; invitation: InvitationView } | { kind: 'used' | 'expired' | 'unknown' };

interface InvitationRow {
  id: string;
  letter_id: string;
  email: string;
  role: LetterRole;
  expires_at: Date;
  accepted_at: Date | null;
}

function problemOf(row: InvitationRow | undefined): 'used' | 'expired' | 'unknown' | null {
  if (!row) return 'unknown';
  if (row.accepted_at) return 'used';
  if (row.expires_at.getTime() <= Date.now()) return 'expired';
  return null;
}

/** What the invitation page shows. Reading changes nothing: mail scanners open links before people do. */
export async function checkInvitation(ctx: AppContext, rawToken: string, language: Language): Promise<InvitationCheck> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  const [row] = await ctx.db.query<
    Array<InvitationRow & { inviter_name: string | null; inviter_email: string | null }>
  >(
    `SELECT i.id, i.letter_id, i.email, i.role, i.expires_at, i.accepted_at, o.name AS inviter_name, o.email AS inviter_email
       FROM team_invitations i LEFT JOIN organisers o ON o.id = i.invited_by WHERE i.token_hash = $1`,
    [hashToken(rawToken)],
  );
  const problem = problemOf(row);
  if (problem || !row) return { kind: problem ?? 'unknown' };
  const letter = await ctx.db
    .getRepository(Letter)
    .findOne({ where: { id: row.letter_id }, relations: { translations: true } });
  if (!letter) return { kind: 'unknown' };
  return {
    kind: 'valid',
    invitation: {
      email: row.email,
      role: row.role,
      letterSlug: letter.slug,
      letterTitle: letter.translations.length
        ? chooseTranslation(letter.translations, letter.defaultLanguage, [language]).title
        : letter.slug,
      inviterName: row.inviter_name || row.inviter_email || '',
    },
  };
}

export type AcceptOutcome =
  | { kind: 'joined'; letterSlug: string; email: string; organiserId: string; signedIn: boolean }
  | { kind: 'other-address' }
  | { kind: 'used' | 'expired' | 'unknown' };

/**
 * Accepts an invitation: once, before it expires, under a row lock so that two clicks cannot both
 * win. The link was mailed to the address, so holding it proves the address: an address with no
 * organiser account gets one. Accepting does not sign anybody in (the link lives for days, a
 * sign-in link for minutes); someone signed in as another organiser is refused and nothing
 * changes. Accepting never lowers a role the address already holds on the letter.
 */
export async function acceptInvitation(
  ctx: AppContext,
  rawToken: string,
  signedInAs: { id: string; email: string } | null,
): Promise<AcceptOutcome> {
  if (!isWellFormedToken(rawToken)) return { kind: 'unknown' };
  return ctx.db.transaction(async (tx): Promise<AcceptOutcome> => {
    const [row] = await tx.query<InvitationRow[]>(
      `SELECT id, letter_id, email, role, expires_at, accepted_at FROM team_invitations WHERE token_hash = $1 FOR UPDATE`,
      [hashToken(rawToken)],
    );
    const problem = problemOf(row);
    if (problem || !row) return { kind: problem ?? 'unknown' };
    if (signedInAs && normaliseOrganiserEmail(signedInAs.email) !== row.email) return { kind: 'other-address' };
    await tx.query(`INSERT INTO organisers (email) VALUES ($1) ON CONFLICT (email) DO NOTHING`, [row.email]);
    const [organiser] = await tx.query<Array<{ id: string; name: string }>>(
      `SELECT id, name FROM organisers WHERE email = $1`,
      [row.email],
    );
    await tx.query(
      `INSERT INTO letter_organisers (letter_id, organiser_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (letter_id, organiser_id)
       DO UPDATE SET role = CASE WHEN letter_organisers.role = 'owner' THEN 'owner' ELSE EXCLUDED.role END`,
      [row.letter_id, organiser.id, row.role],
    );
    await tx.query(`UPDATE team_invitations SET accepted_at = now() WHERE id = $1`, [row.id]);
    // The one who acts here is the one who joins.
    await recordAudit(tx, {
      letterId: row.letter_id,
      actor: auditActor(organiser),
      kind: 'organisers.invitation-accepted',
      detail: { invitationId: row.id, role: row.role },
    });
    const [letter] = await tx.query<Array<{ slug: string }>>(`SELECT slug FROM letters WHERE id = $1`, [row.letter_id]);
    ctx.log.info(
      { letterId: row.letter_id, invitationId: row.id, organiserId: organiser.id },
      'team invitation accepted',
    );
    return {
      kind: 'joined',
      letterSlug: letter.slug,
      email: row.email,
      organiserId: organiser.id,
      signedIn: !!signedInAs,
    };
  });
}

/** Deletes invitations some days after they expired (accepted or not): an address is not kept for nothing. */
export async function pruneInvitations(ctx: Pick<AppContext, 'db'>): Promise<void> {
  await ctx.db.query(`DELETE FROM team_invitations WHERE expires_at < now() - make_interval(days => $1)`, [
    INVITATION_KEEP_DAYS_AFTER_EXPIRY,
  ]);
}
