/**
 * Signers' "why I signed" comments as the public reads them: the wall on the letter page and its
 * own pages, newest approved first, a keyset page at a time (signature_comments_approved).
 *
 * A comment is shown only once an organiser approved it, only while its signature is in the
 * public count and not hidden, and with the name as the list shows it: the full name, the
 * initials, or for a private signer who allowed it no name at all ("a signer from Kazakhstan").
 * A private signer who did not allow it is never shown, whatever the comment's state.
 */
import type { DataSource } from 'typeorm';
import type { SignedAs } from '../signatures';

/** How many comments the letter page's wall shows; the rest are on the comments' pages. */
export const COMMENT_WALL_SIZE = 6;
export const COMMENTS_PAGE_SIZE = 30;

/** The comments anyone may read, over `signatures s`. */
export const SHOWN_COMMENT = `s.comment_status = 'approved' AND s.status = 'confirmed' AND s.held_reason IS NULL
  AND NOT s.hidden AND (s.visibility <> 'private' OR s.comment_anonymous)`;

export interface ShownComment {
  id: string;
  comment: string;
  /** The name as the list shows it (full or initials); null for a signer shown without a name. */
  name: string | null;
  /** For an organisation's signature, the organisation. */
  organisation: string | null;
  signedAs: SignedAs;
  country: string;
  approvedAt: Date;
}

export interface CommentsPage {
  comments: ShownComment[];
  /** The cursor of the next (older) page, when there is one. */
  next: string | null;
}

const CURSOR =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Whether a `page` parameter is a cursor this service wrote. */
export function isCommentsCursor(raw: string): boolean {
  return CURSOR.test(raw);
}

/** The query of one page of shown comments (one more than the page, to know whether another follows). */
export function shownCommentsQuery(
  letterId: string,
  opts: { limit: number; cursor?: string | null },
): { text: string; values: unknown[] } {
  const values: unknown[] = [letterId, opts.limit + 1];
  let keyset = '';
  const m = opts.cursor ? CURSOR.exec(opts.cursor) : null;
  if (m) {
    values.push(m[1], m[2]);
    keyset = `AND (s.comment_approved_at, s.id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid)`;
  }
  return {
    text: `SELECT s.id, s.comment, signatory_public_name(s.full_name, s.visibility) AS name,
                  CASE WHEN s.signed_as = 'organisation' AND s.visibility <> 'private' THEN s.organisation END AS organisation,
                  s.signed_as, s.country, s.comment_approved_at AS approved_at,
                  to_char(s.comment_approved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '.' || s.id AS key
             FROM signatures s
            WHERE s.letter_id = $1 AND ${SHOWN_COMMENT} ${keyset}
            ORDER BY s.comment_approved_at DESC, s.id DESC
            LIMIT $2`,
    values,
  };
}

/** One page of a letter's shown comments, newest approved first, after `cursor` (older ones). */
export async function shownComments(
  db: DataSource,
  letterId: string,
  opts: { limit: number; cursor?: string | null },
): Promise<CommentsPage> {
  const { text, values } = shownCommentsQuery(letterId, opts);
  const rows: Array<{
    id: string;
    comment: string;
    name: string | null;
    organisation: string | null;
    signed_as: SignedAs;
    country: string;
    approved_at: Date;
    key: string;
  }> = await db.query(text, values);
  const more = rows.length > opts.limit;
  const page = rows.slice(0, opts.limit);
  return {
    comments: page.map((r) => ({
      id: r.id,
      comment: r.comment,
      name: r.name || null,
      organisation: r.organisation,
      signedAs: r.signed_as,
      country: r.country,
      approvedAt: r.approved_at,
    })),
    next: more && page.length ? rows[page.length - 1].key : null,
  };
}

/** The letter page's wall: the newest shown comments, and whether there are more. */
export async function commentWall(
  db: DataSource,
  letterId: string,
): Promise<{ comments: ShownComment[]; more: boolean }> {
  const page = await shownComments(db, letterId, { limit: COMMENT_WALL_SIZE });
  return { comments: page.comments, more: page.next !== null };
}
