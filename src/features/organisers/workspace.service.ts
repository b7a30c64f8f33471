import type { DataSource } from 'typeorm';
import { Letter, type Language, type LetterStatus } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import { verifiedCounts } from '../../core/letters/counts.service';
import type { LetterRole } from '../../core/access/letter-organiser.entity';

export interface WorkspaceLetter {
  slug: string;
  title: string;
  status: LetterStatus;
  role: LetterRole;
  verified: number;
  pending: number;
  goal: number | null;
  languages: Language[];
}

/** The letters an organiser holds a role on, newest first, with verified and pending counts. */
export async function listOrganiserLetters(
  db: DataSource,
  organiserId: string,
  lang: Language,
): Promise<WorkspaceLetter[]> {
  const rows: Array<{ id: string; role: LetterRole }> = await db.query(
    `SELECT l.id, lo.role FROM letters l JOIN letter_organisers lo ON lo.letter_id = l.id
      WHERE lo.organiser_id = $1 ORDER BY l.created_at DESC`,
    [organiserId],
  );
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const letters = await db
    .getRepository(Letter)
    .find({ where: ids.map((id) => ({ id })), relations: { translations: true } });
  const byId = new Map(letters.map((l) => [l.id, l]));
  const [verified, pendingRows] = await Promise.all([
    verifiedCounts(db, ids),
    db.query<Array<{ letter_id: string; n: string }>>(
      `SELECT letter_id, count(*) AS n FROM signatures WHERE letter_id = ANY($1) AND status = 'pending' GROUP BY letter_id`,
      [ids],
    ),
  ]);
  const pending = new Map(pendingRows.map((r) => [r.letter_id, Number(r.n)]));
  return rows.flatMap((r) => {
    const l = byId.get(r.id);
    if (!l) return [];
    const title = l.translations.length ? chooseTranslation(l.translations, l.defaultLanguage, [lang]).title : l.slug;
    return [
      {
        slug: l.slug,
        title,
        status: l.status,
        role: r.role,
        verified: verified.get(l.id) ?? 0,
        pending: pending.get(l.id) ?? 0,
        goal: l.goal,
        languages: l.translations.map((t) => t.language).sort(),
      },
    ];
  });
}
