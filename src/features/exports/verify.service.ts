/**
 * Checks a file an official received against the export audit. A file matches only if its
 * SHA-256 is exactly the one recorded when the platform produced it: one changed byte, one row
 * removed or added, and it no longer matches. The answer names the letter, the date, the number
 * of signatures and the format, and nothing about any signer.
 */
import type { DataSource } from 'typeorm';
import type { Language } from '../../core/letters/letter.entity';
import { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import { ExportAudit } from './export-audit.entity';
import type { ExportFormat } from './export-row';

export interface VerifiedExport {
  exportId: string;
  letterTitle: string;
  letterSlug: string;
  createdAt: Date;
  rowCount: number;
  format: ExportFormat;
  bytes: number;
}

export type VerifyOutcome =
  | { kind: 'match'; export: VerifiedExport }
  /** The export id is known but the file (or the digest given) is not the one produced. */
  | { kind: 'mismatch'; exportId: string }
  /** No export has this digest (and no known id was given). */
  | { kind: 'unknown' };

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function describe(db: DataSource, audit: ExportAudit, lang: Language): Promise<VerifiedExport> {
  const letter = await db
    .getRepository(Letter)
    .findOneOrFail({ where: { id: audit.letterId }, relations: { translations: true } });
  const translation = chooseTranslation(letter.translations, letter.defaultLanguage, [lang]);
  return {
    exportId: audit.id,
    letterTitle: translation.title,
    letterSlug: letter.slug,
    createdAt: audit.createdAt,
    rowCount: audit.rowCount,
    format: audit.format,
    bytes: Number(audit.bytes),
  };
}

/** The official pasted the export id (from the file name or the PDF footer) and the file's SHA-256. */
export async function verifyExportDigest(
  db: DataSource,
  exportId: string,
  sha256: string,
  lang: Language,
): Promise<VerifyOutcome> {
  const audit = await db.getRepository(ExportAudit).findOneBy({ id: exportId.toLowerCase() });
  if (!audit) return { kind: 'unknown' };
  if (audit.sha256 !== sha256.toLowerCase()) return { kind: 'mismatch', exportId: audit.id };
  return { kind: 'match', export: await describe(db, audit, lang) };
}

/**
 * The official uploaded the file; it was hashed as it arrived (never held whole in memory).
 * The file name, when it still carries an export id, lets us say "this is export X, altered"
 * rather than only "unknown".
 */
export async function verifyExportFile(
  db: DataSource,
  file: { sha256: string; bytes: number; originalName: string },
  lang: Language,
): Promise<VerifyOutcome> {
  const audit = await db.getRepository(ExportAudit).findOneBy({ sha256: file.sha256, bytes: String(file.bytes) });
  if (audit) return { kind: 'match', export: await describe(db, audit, lang) };
  const named = UUID.exec(file.originalName)?.[0]?.toLowerCase();
  if (named && (await db.getRepository(ExportAudit).existsBy({ id: named })))
    return { kind: 'mismatch', exportId: named };
  return { kind: 'unknown' };
}
