import type { DataSource } from 'typeorm';
import { countsByCountry, verifiedCount } from '../../core/letters/counts.service';
import { Signature } from '../signatures';

export const PAGE_SIZE = 50;

export interface LetterStats {
  verified: number;
  pending: number;
  invalidated: number;
  held: number;
  /** Confirmed among confirmed + pending (what share of people who signed clicked the link), or null with none. */
  verificationRate: number | null;
  daily: Array<{ day: string; value: number }>;
  countries: Array<{ country: string; count: number }>;
}

/** The numbers on a letter's dashboard. */
export async function letterStats(db: DataSource, letterId: string, days = 30): Promise<LetterStats> {
  const [verified, statusRows, dailyRows, countries] = await Promise.all([
    verifiedCount(db, letterId),
    db.query<Array<{ status: string; held: boolean; n: string }>>(
      `SELECT status, held_reason IS NOT NULL AS held, count(*) AS n FROM signatures WHERE letter_id = $1 GROUP BY 1, 2`,
      [letterId],
    ),
    db.query<Array<{ day: string; n: string }>>(
      `SELECT to_char(date_trunc('day', confirmed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*) AS n
         FROM signatures
        WHERE letter_id = $1 AND status = 'confirmed' AND held_reason IS NULL
          AND confirmed_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => $2 - 1)
        GROUP BY 1`,
      [letterId, days],
    ),
    countsByCountry(db, letterId),
  ]);
  const sum = (pred: (r: { status: string; held: boolean }) => boolean) =>
    statusRows.filter(pred).reduce((n, r) => n + Number(r.n), 0);
  const pending = sum((r) => r.status === 'pending');
  const confirmed = sum((r) => r.status === 'confirmed');
  const byDay = new Map(dailyRows.map((r) => [r.day, Number(r.n)]));
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const daily = Array.from({ length: days }, (_, i) => {
    const day = new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    return { day, value: byDay.get(day) ?? 0 };
  });
  return {
    verified,
    pending,
    invalidated: sum((r) => r.status === 'invalidated'),
    held: sum((r) => r.held && r.status !== 'invalidated'),
    verificationRate: confirmed + pending > 0 ? confirmed / (confirmed + pending) : null,
    daily,
    countries,
  };
}

export type SignatureRow = Pick<
  Signature,
  | 'id'
  | 'fullName'
  | 'email'
  | 'country'
  | 'city'
  | 'organisation'
  | 'status'
  | 'hidden'
  | 'heldReason'
  | 'invalidatedReason'
  | 'visibility'
  | 'createdAt'
  | 'confirmedAt'
  | 'source'
>;

const COLUMNS = [
  's.id',
  's.fullName',
  's.email',
  's.country',
  's.city',
  's.organisation',
  's.status',
  's.hidden',
  's.heldReason',
  's.invalidatedReason',
  's.visibility',
  's.createdAt',
  's.confirmedAt',
  's.source',
];

/** An address as an editor sees it: the domain only (it helps to spot a spam run), never the person. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `•••@${at >= 0 ? email.slice(at + 1) : ''}`;
}

/**
 * Whether the reader may see signers' email addresses. Editors moderate by name; the addresses
 * are the owners' (they reach people, and they identify them more surely than a name).
 */
export interface AddressAccess {
  withEmail: boolean;
}

function masked(rows: SignatureRow[], access: AddressAccess): SignatureRow[] {
  if (access.withEmail) return rows;
  return rows.map((r) => ({ ...r, email: r.email === null ? null : maskEmail(r.email) }));
}

/**
 * Newest signatures first, optionally filtered by name or city, and by email address for readers
 * who may see addresses (for the others an address finds nobody: a search must not tell them
 * whether someone signed). 50 a page.
 */
export async function searchSignatures(
  db: DataSource,
  letterId: string,
  opts: { query: string; page: number } & AddressAccess,
): Promise<{ rows: SignatureRow[]; total: number; pages: number }> {
  const qb = db
    .getRepository(Signature)
    .createQueryBuilder('s')
    .select(COLUMNS)
    .where('s.letter_id = :letterId', { letterId });
  const q = opts.query.trim();
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    qb.andWhere(
      opts.withEmail
        ? '(s.full_name ILIKE :like OR s.email ILIKE :like OR s.city ILIKE :like)'
        : '(s.full_name ILIKE :like OR s.city ILIKE :like)',
      { like },
    );
  }
  const total = await qb.getCount();
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(Math.max(1, opts.page), pages);
  const rows = await qb
    .orderBy('s.created_at', 'DESC')
    .addOrderBy('s.id', 'ASC')
    .offset((page - 1) * PAGE_SIZE)
    .limit(PAGE_SIZE)
    .getMany();
  return { rows: masked(rows, opts), total, pages };
}

/** Signatures held for review by abuse control, oldest first. */
export async function heldSignatures(
  db: DataSource,
  letterId: string,
  access: AddressAccess,
  limit = 100,
): Promise<SignatureRow[]> {
  const rows = await db
    .getRepository(Signature)
    .createQueryBuilder('s')
    .select(COLUMNS)
    .where(`s.letter_id = :letterId AND s.held_reason IS NOT NULL AND s.status IN ('pending', 'confirmed')`, {
      letterId,
    })
    .orderBy('s.created_at', 'ASC')
    .limit(limit)
    .getMany();
  return masked(rows, access);
}
