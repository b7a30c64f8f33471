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

/** The newest confirmed signers who chose to be seen; organisations apart from individuals. */
export async function recentSignatories(
  db: DataSource,
  letterId: string,
  signedAs: 'individual' | 'organisation',
  limit = 20,
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
