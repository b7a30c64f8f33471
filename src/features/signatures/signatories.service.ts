import type { DataSource } from 'typeorm';
import { publicName } from './display-name';
import { Signature } from './signature.entity';

export interface PublicSignatory {
  /** For what other features add to a row (the affiliation mark); never shown. */
  id: string;
  name: string;
  organisation: string | null;
  /** Occupation or title: only for signers who chose their full name. */
  occupation: string | null;
  city: string | null;
  country: string;
  confirmedAt: Date;
}

/**
 * How many of the newest individuals (and, apart, organisations) the letter page shows: a short
 * block; the whole list is one link away (`/letters/<slug>/signatories`), so the page stays light.
 */
export const RECENT_SIGNATORIES = 12;

/** The newest confirmed signers who chose to be seen; organisations apart from individuals. */
export async function recentSignatories(
  db: DataSource,
  letterId: string,
  signedAs: 'individual' | 'organisation',
  limit = RECENT_SIGNATORIES,
): Promise<PublicSignatory[]> {
  const rows = await db
    .getRepository(Signature)
    .createQueryBuilder('s')
    .select([
      's.id',
      's.fullName',
      's.visibility',
      's.organisation',
      's.occupation',
      's.city',
      's.country',
      's.confirmedAt',
    ])
    .where(
      `s.letter_id = :letterId AND s.status = 'confirmed' AND s.held_reason IS NULL AND NOT s.hidden
       AND s.visibility <> 'private' AND s.signed_as = :signedAs`,
      {
        letterId,
        signedAs,
      },
    )
    .orderBy('s.confirmed_at', 'DESC')
    .limit(limit)
    .getMany();
  return rows.map((s) => ({
    id: s.id,
    name: publicName(s.fullName, s.visibility) ?? '',
    organisation: s.organisation,
    occupation: s.visibility === 'public' ? s.occupation : null,
    city: s.visibility === 'public' ? s.city : null,
    country: s.country,
    confirmedAt: s.confirmedAt ?? new Date(0),
  }));
}
