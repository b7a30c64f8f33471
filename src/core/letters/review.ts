import type { Letter } from './letter.entity';

/**
 * Where a letter stands with the instance's admins (issue: anyone can start a letter).
 *   none               made without review (the workspace, under a policy that needs none): its status decides
 *   draft              started, not yet sent for review
 *   submitted          waiting in the admins' queue
 *   changes_requested  an admin asked for changes; the starter edits and submits again
 *   approved           an admin approved it: public while its status says so
 *   rejected           an admin rejected it (its starter may ask once for a second review)
 * Features may add states between draft and submitted (a co-sponsor gate): any state not in
 * PUBLIC_REVIEW_STATES keeps the letter out of every public place.
 */
export const REVIEW_STATES = ['none', 'draft', 'submitted', 'changes_requested', 'approved', 'rejected'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** The review states in which a letter may be public (its status then decides). */
export const PUBLIC_REVIEW_STATES: readonly ReviewState[] = ['none', 'approved'];

/** Statuses in which a letter is public (a draft never is). */
export const PUBLIC_STATUSES = ['open', 'closed'] as const;

/**
 * The one rule for the public: open or closed, and reviewed (or needing no review). Every public
 * surface (letter page, JSON, feeds, sitemap, home, the sign POST) asks this or its SQL twin.
 */
export function isPubliclyVisible(letter: Pick<Letter, 'status' | 'reviewState'>): boolean {
  return (
    (PUBLIC_STATUSES as readonly string[]).includes(letter.status) &&
    (PUBLIC_REVIEW_STATES as readonly string[]).includes(letter.reviewState)
  );
}

/**
 * isPubliclyVisible as an SQL predicate over the letters table under `alias` (a constant string
 * of the code, never input): `WHERE ${publicLetterSql('l')}`.
 */
export function publicLetterSql(alias: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(alias)) throw new Error(`not an SQL alias: ${alias}`);
  return `(${alias}.status IN ('open', 'closed') AND ${alias}.review_state IN ('none', 'approved'))`;
}
