import type { DataSource } from 'typeorm';
import type { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import { verifiedCount } from '../../core/letters/counts.service';
import { initialsOf } from '../signatures';
import { clockJson, letterClock } from '../response-clock';
import { AppError } from '../../platform/web/errors';
import { countryName } from '../../platform/web/i18n';
import type { Language } from '../../platform/web/languages';
import type { ApiLetter, ApiSignature, ApiSignaturePage } from './api.schema';

export async function readLetter(db: DataSource, letter: Letter, baseUrl: string): Promise<ApiLetter> {
  const t = chooseTranslation(letter.translations, letter.defaultLanguage, []);
  return {
    slug: letter.slug,
    title: t.title,
    recipient: t.recipient,
    status: letter.status,
    language: t.language,
    languages: letter.translations.map((x) => x.language).sort(),
    goal: letter.goal,
    closesAt: letter.closesAt?.toISOString() ?? null,
    deliveredAt: letter.deliveredAt?.toISOString() ?? null,
    verifiedCount: await verifiedCount(db, letter.id),
    url: `${baseUrl}/letters/${letter.slug}`,
    signatoriesUrl: `${baseUrl}/letters/${letter.slug}/signatories`,
    responseClock: clockJson(await letterClock(db, letter)),
  };
}

/**
 * The cursor is opaque to clients: base64url of the last row's confirmation time (in
 * microseconds, PostgreSQL's precision: a JavaScript Date would round and skip or repeat rows)
 * and id. The order (confirmed_at, id) is stable: a row confirmed while a client pages lands
 * after the rows already read, never in between.
 */
export function encodeCursor(micros: string, id: string): string {
  return Buffer.from(`${micros}.${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { micros: string; id: string } | null {
  const m = /^(\d{1,17})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  return m ? { micros: m[1], id: m[2] } : null;
}

export class BadCursor extends AppError {
  constructor() {
    super(400, 'bad_request', 'api.errors.badCursor');
  }
}

interface Row {
  id: string;
  full_name: string;
  country: string;
  city: string | null;
  organisation: string | null;
  occupation: string | null;
  comment: string | null;
  signed_as: 'individual' | 'organisation';
  confirmed_at: Date;
  micros: string;
  source: 'online' | 'paper';
  visibility: 'public' | 'initials' | 'private';
  text_language: string | null;
  text_version: number | null;
}

/**
 * One page of verified signatures (confirmed, not held: the public count), oldest confirmation
 * first. A delivery token reads what the delivery export holds: every full name, private and
 * hidden signers included. Any other token reads what the public list shows: full names of
 * public signers, initials without the city or an individual's organisation for initials-only
 * ones, and private or hidden signers left out (as in the publication export: a row would still
 * reveal a person).
 */
export async function readSignatures(
  db: DataSource,
  letterId: string,
  opts: { forDelivery: boolean; after: string | undefined; limit: number; lang: Language },
): Promise<ApiSignaturePage> {
  const params: unknown[] = [letterId, opts.limit + 1];
  let keyset = '';
  if (opts.after) {
    const c = decodeCursor(opts.after);
    if (!c) throw new BadCursor();
    params.push(c.micros, c.id);
    keyset = `AND (s.confirmed_at, s.id) > ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::uuid)`;
  }
  const rows = await db.query<Row[]>(
    `SELECT s.id, s.full_name, s.country, s.city, s.organisation, s.occupation, s.signed_as, s.confirmed_at,
            CASE WHEN s.comment_status = 'approved' THEN s.comment END AS comment,
            ((extract(epoch FROM s.confirmed_at) * 1000000)::numeric(20, 0))::text AS micros,
            s.source, s.visibility, s.text_language, s.text_version
       FROM signatures s
      WHERE s.letter_id = $1 AND s.status = 'confirmed' AND s.held_reason IS NULL
            ${opts.forDelivery ? '' : `AND s.visibility <> 'private' AND NOT s.hidden`}
            ${keyset}
      ORDER BY s.confirmed_at, s.id
      LIMIT $2`,
    params,
  );
  const more = rows.length > opts.limit;
  const page = more ? rows.slice(0, opts.limit) : rows;
  const last = page[page.length - 1];
  return {
    data: page.map((r) => toApiSignature(r, opts.forDelivery, opts.lang)),
    next: more && last ? encodeCursor(last.micros, last.id) : null,
  };
}

function toApiSignature(r: Row, forDelivery: boolean, lang: Language): ApiSignature {
  const initialsOnly = !forDelivery && r.visibility === 'initials';
  return {
    id: r.id,
    name: initialsOnly ? initialsOf(r.full_name) : r.full_name,
    country: r.country,
    countryName: countryName(r.country, lang),
    city: initialsOnly ? null : r.city,
    // As the public list: an organisation's name is its signature; an initials-only individual's would name them.
    organisation: initialsOnly && r.signed_as !== 'organisation' ? null : r.organisation,
    occupation: initialsOnly ? null : r.occupation,
    // Only once an organiser approved it; a pending comment is nobody's to read.
    comment: r.comment,
    signedAs: r.signed_as,
    signedAt: r.confirmed_at.toISOString(),
    source: r.source,
    textVersion:
      r.text_language && r.text_version !== null ? { language: r.text_language, version: r.text_version } : null,
  };
}
