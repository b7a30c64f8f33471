import type { DataSource } from 'typeorm';
import { letterTeam, type LetterTeamMember } from './organisers.service';

/**
 * What a member handed out on a letter that lets someone outside in: API tokens, recipient links,
 * webhooks. The features above (which organisers cannot import) each pass down one function that
 * lists that member's live items, so that the owners see what a removal ends before they confirm
 * it. The ending itself is the database's (migration AccessEndsWithOwner), whatever the path.
 */
export interface HandedOutAccess {
  /** The message key naming the kind (e.g. `api.nav.tokens`). */
  heading: string;
  /** One line per item, as its own page names it. */
  items: string[];
}

export type MemberAccessFn = (db: DataSource, letterId: string, organiserId: string) => Promise<HandedOutAccess>;

export interface RemovalPreview {
  member: LetterTeamMember;
  /** The member is the letter's only owner: the removal will be refused. */
  lastOwner: boolean;
  /** What removing the member ends, kinds with nothing left out. */
  groups: HandedOutAccess[];
}

/** What removing a member of a letter's team would end; null when they are not on it. */
export async function removalPreview(
  db: DataSource,
  letterId: string,
  organiserId: string,
  kinds: readonly MemberAccessFn[],
): Promise<RemovalPreview | null> {
  const members = await letterTeam(db, letterId);
  const member = members.find((m) => m.organiserId === organiserId);
  if (!member) return null;
  const lastOwner = member.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1;
  const groups = lastOwner
    ? []
    : (await Promise.all(kinds.map((list) => list(db, letterId, organiserId)))).filter((g) => g.items.length > 0);
  return { member, lastOwner, groups };
}
