import type { DataSource } from 'typeorm';
import { publicLetterSql } from '../../core/letters/review';

export interface SimilarLetter {
  slug: string;
  title: string;
  language: string;
  similarity: number;
}

/** How many similar letters the starter is shown. */
export const SIMILAR_LIMIT = 5;

/**
 * Public letters whose title and summary, in any of their languages, look like `text` (pg_trgm's
 * `%`, served by the trigram index letter_translations_similarity), most similar first; never the
 * letter itself, never one that is not public.
 */
export async function similarLetters(
  db: DataSource,
  text: string,
  exceptLetterId: string | null,
): Promise<SimilarLetter[]> {
  const probe = text.toLowerCase().slice(0, 600);
  if (!probe.trim()) return [];
  const rows = await db.query<Array<{ slug: string; title: string; language: string; similarity: number }>>(
    `SELECT slug, title, language, similarity FROM (
       SELECT DISTINCT ON (l.id) l.slug, t.title, t.language,
              similarity(public.letter_similarity_text(t.title, t.summary), $1) AS similarity
         FROM letter_translations t JOIN letters l ON l.id = t.letter_id
        WHERE public.letter_similarity_text(t.title, t.summary) % $1
          AND ${publicLetterSql('l')} AND l.id IS DISTINCT FROM $2::uuid
        ORDER BY l.id, similarity DESC
     ) s ORDER BY similarity DESC, slug LIMIT $3`,
    [probe, exceptLetterId, SIMILAR_LIMIT],
  );
  return rows.map((r) => ({ ...r, similarity: Number(r.similarity) }));
}
