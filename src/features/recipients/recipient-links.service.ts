import type { DataSource, EntityManager } from 'typeorm';
import { type AuditActor, recordAudit } from '../../core/audit';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { enqueue } from '../../platform/mail/queue';
import { hashToken, isWellFormedToken, rawToken } from '../../core/tokens';
import { type MemberAccessFn, organiserNames } from '../../core/access';
import { AppError } from '../../platform/web/errors';
import { RecipientLink, RecipientLinkEvent, type LinkEventKind } from './recipient-link.entity';
import type { RecipientLinkForm } from './recipients.schema';
import { TASK_RECIPIENT_LINK_EMAIL, type RecipientLinkEmailJob } from './recipients.queue';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class NotDelivered extends AppError {
  constructor() {
    super(422, 'not_delivered', 'recipients.errors.notDelivered');
  }
}

/**
 * Makes a link for one addressee, and when asked queues its email in the same transaction. The
 * raw token is returned once, for the owner to copy: only its hash is stored.
 */
export async function createRecipientLink(
  ctx: AppContext,
  letter: Letter,
  form: RecipientLinkForm,
  actor: AuditActor,
): Promise<{ link: RecipientLink; token: string }> {
  if (!letter.deliveredAt) throw new NotDelivered();
  const token = rawToken();
  return ctx.db.transaction(async (tx) => {
    const link = await tx.save(
      tx.create(RecipientLink, {
        letterId: letter.id,
        tokenHash: hashToken(token),
        name: form.name,
        role: form.role,
        email: form.email,
        sendEmail: form.sendEmail,
        createdBy: actor.id,
        // The link works through the whole day chosen (UTC).
        expiresAt: new Date(`${form.expiresOn}T23:59:59.999Z`),
      }),
    );
    if (form.sendEmail) {
      await enqueue(tx, TASK_RECIPIENT_LINK_EMAIL, { linkId: link.id } satisfies RecipientLinkEmailJob, {
        jobKey: `recipient-link:${link.id}`,
        maxAttempts: 10,
      });
    }
    await recordAudit(tx, {
      letterId: letter.id,
      actor,
      kind: 'recipients.link-created',
      detail: {
        linkId: link.id,
        name: form.name,
        role: form.role ?? '',
        expiresOn: form.expiresOn,
        emailed: form.sendEmail,
      },
    });
    ctx.log.info({ letterId: letter.id, linkId: link.id, emailed: form.sendEmail }, 'recipient link created');
    return { link, token };
  });
}

/** Revokes a link of this letter at once (its page answers 404 from then on); false when there is no such link. */
export async function revokeRecipientLink(
  ctx: AppContext,
  letterId: string,
  linkId: string,
  actor: AuditActor,
): Promise<boolean> {
  if (!UUID.test(linkId)) return false;
  return ctx.db.transaction(async (tx) => {
    const link = await tx.findOneBy(RecipientLink, { id: linkId, letterId });
    if (!link) return false;
    if (link.revokedAt) return true;
    await tx.update(RecipientLink, { id: link.id }, { revokedAt: () => 'now()' });
    await recordAudit(tx, {
      letterId,
      actor,
      kind: 'recipients.link-revoked',
      detail: { linkId: link.id, name: link.name },
    });
    ctx.log.info({ letterId, linkId: link.id }, 'recipient link revoked');
    return true;
  });
}

export type ListedRecipientLink = RecipientLink & { creatorName: string | null };

/** A letter's links, newest first, each with its creator's name (null: no organiser any more). */
export async function listRecipientLinks(db: DataSource, letterId: string): Promise<ListedRecipientLink[]> {
  const links = await db.getRepository(RecipientLink).find({ where: { letterId }, order: { createdAt: 'DESC' } });
  const names = await organiserNames(
    db,
    links.map((l) => l.createdBy),
  );
  return links.map((l) => Object.assign(l, { creatorName: l.createdBy ? (names.get(l.createdBy) ?? null) : null }));
}

/** For the owners' confirmation before a member leaves: the live links that member created. */
export const recipientLinksOfMember: MemberAccessFn = async (db, letterId, organiserId) => {
  const rows = await db.query<Array<{ name: string; role: string | null; expires_on: string }>>(
    `SELECT name, role, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS expires_on FROM recipient_links
      WHERE letter_id = $1 AND created_by = $2 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at`,
    [letterId, organiserId],
  );
  return {
    heading: 'recipients.panel.heading',
    items: rows.map((r) => `${r.name}${r.role ? `, ${r.role}` : ''} (${r.expires_on})`),
  };
};

export interface LinkActivity {
  at: Date;
  kind: LinkEventKind;
  linkName: string;
  exportId: string | null;
}

/** The newest views and downloads through a letter's links, for its owners. */
export async function recentLinkActivity(db: DataSource, letterId: string, limit = 50): Promise<LinkActivity[]> {
  const rows = await db.query<Array<{ created_at: Date; kind: LinkEventKind; name: string; export_id: string | null }>>(
    `SELECT e.created_at, e.kind, l.name, e.export_id
       FROM recipient_link_events e JOIN recipient_links l ON l.id = e.link_id
      WHERE e.letter_id = $1
      ORDER BY e.created_at DESC, e.id DESC
      LIMIT $2`,
    [letterId, limit],
  );
  return rows.map((r) => ({ at: r.created_at, kind: r.kind, linkName: r.name, exportId: r.export_id }));
}

/**
 * The link behind a raw token, when it is well formed, known, not revoked, not expired, and its
 * letter is still recorded as delivered; null otherwise (every one of those answers 404 alike).
 */
export async function findLiveLink(db: DataSource | EntityManager, raw: string): Promise<RecipientLink | null> {
  if (!isWellFormedToken(raw)) return null;
  const h = hashToken(raw);
  return db
    .getRepository(RecipientLink)
    .createQueryBuilder('l')
    .innerJoin('letters', 'letter', 'letter.id = l.letter_id AND letter.delivered_at IS NOT NULL')
    .where('(l.token_hash = :h OR l.mailed_token_hash = :h OR l.reminder_token_hash = :h)', { h })
    .andWhere('l.revoked_at IS NULL AND l.expires_at > now()')
    .getOne();
}

/**
 * A new token for the link a reminder carries, in the caller's transaction (only its hash is
 * kept): it replaces the one of the reminder before, while the link shown to the owner and the
 * one first mailed keep working.
 */
export async function renewReminderToken(tx: EntityManager, linkId: string): Promise<string> {
  const raw = rawToken();
  await tx.update(RecipientLink, { id: linkId }, { reminderTokenHash: hashToken(raw) });
  return raw;
}

const AUDIT_KIND: Record<LinkEventKind, `recipients.${string}`> = {
  view: 'recipients.link-viewed',
  'download-pdf': 'recipients.link-downloaded',
  'download-csv': 'recipients.link-downloaded',
  response: 'recipients.response-posted',
  'response-edited': 'recipients.response-edited',
};

/**
 * Records one event through a link for its owners: the event (when, which link; no address), the
 * link's counter and the letter's audit entry, together. `tx` is the caller's transaction when
 * the event belongs with another change (the export's audit row, the response). Views go through
 * recordLinkView.
 */
export async function recordLinkEvent(
  tx: EntityManager,
  link: RecipientLink,
  kind: LinkEventKind,
  exportId: string | null = null,
): Promise<void> {
  await tx.insert(RecipientLinkEvent, { linkId: link.id, letterId: link.letterId, kind, exportId });
  if (kind === 'download-pdf' || kind === 'download-csv')
    await tx.increment(RecipientLink, { id: link.id }, 'downloads', 1);
  await recordAudit(tx, {
    letterId: link.letterId,
    actor: null,
    kind: AUDIT_KIND[kind],
    detail: {
      linkId: link.id,
      name: link.name,
      ...(kind.startsWith('download-') ? { format: kind.slice('download-'.length) } : {}),
      ...(exportId ? { exportId } : {}),
    },
  });
}

/**
 * Counts one view of a link's page. Every view adds to the link's counter; only the first of
 * the UTC day is an event and an audit row, so a page reloaded all day long writes one record,
 * not one per load. The link's row is locked while it decides, so two first views at once make one.
 */
export async function recordLinkView(db: DataSource, link: RecipientLink): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<Array<{ first: boolean }>>(
      `SELECT (last_viewed_at IS NULL OR last_viewed_at < date_trunc('day', now(), 'UTC')) AS first FROM recipient_links WHERE id = $1 FOR UPDATE`,
      [link.id],
    );
    await tx.query(
      `UPDATE recipient_links SET views = views + 1, last_viewed_at = greatest(last_viewed_at, now()) WHERE id = $1`,
      [link.id],
    );
    if (row?.first) await recordLinkEvent(tx, link, 'view');
  });
}
