import type { DataSource } from 'typeorm';

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
