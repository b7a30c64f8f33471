import type { DataSource } from 'typeorm';
import { verifiedCounts } from '../../core/letters/counts.service';
import { publicStatus, type LetterStatus } from '../../core/letters/letter.entity';
import type { ReviewState } from '../../core/letters/review';

/** Letters per page of the admins' list. */
export const ADMIN_LETTERS_PAGE = 50;

export interface AdminLetterRow {
  id: string;
  slug: string;
  title: string;
  status: LetterStatus;
  reviewState: ReviewState;
  verified: number;
  pending: number;
  owners: number;
  createdAt: Date;
}

/**
 * One page of every letter on the instance, newest first, with its status, review state and
 * counts; `before` is the id of the last letter of the page before (keyset, whatever the instance holds).
 */
export async function listAllLetters(
  db: DataSource,
  before?: string,
): Promise<{ letters: AdminLetterRow[]; next: string | null }> {
  const rows = await db.query<
    Array<{
      id: string;
      slug: string;
      status: LetterStatus;
      closes_at: Date | null;
      review_state: ReviewState;
      created_at: Date;
      title: string | null;
      owners: number;
      pending: number;
    }>
  >(
    `SELECT l.id, l.slug, l.status, l.closes_at, l.review_state, l.created_at,
            (SELECT t.title FROM letter_translations t WHERE t.letter_id = l.id
              ORDER BY t.language = l.default_language DESC, t.language LIMIT 1) AS title,
            (SELECT count(*)::int FROM letter_organisers lo WHERE lo.letter_id = l.id AND lo.role = 'owner') AS owners,
            (SELECT count(*)::int FROM signatures s WHERE s.letter_id = l.id AND s.status = 'pending') AS pending
       FROM letters l
      WHERE $1::uuid IS NULL OR (l.created_at, l.id) < (SELECT b.created_at, b.id FROM letters b WHERE b.id = $1)
      ORDER BY l.created_at DESC, l.id DESC LIMIT $2`,
    [before ?? null, ADMIN_LETTERS_PAGE + 1],
  );
  const page = rows.slice(0, ADMIN_LETTERS_PAGE);
  const counts = await verifiedCounts(
    db,
    page.map((r) => r.id),
  );
  const letters = page.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: r.title ?? r.slug,
    status: publicStatus({ status: r.status, closesAt: r.closes_at }),
    reviewState: r.review_state,
    verified: counts.get(r.id) ?? 0,
    pending: r.pending,
    owners: r.owners,
    createdAt: r.created_at,
  }));
  return { letters, next: rows.length > ADMIN_LETTERS_PAGE ? letters[letters.length - 1].id : null };
}
