/**
 * Contract shared by the export pipeline (query → writer → storage/HTTP).
 *
 * Writers are pure streaming functions: they consume an async iterable of rows,
 * write one file to `out`, END `out`, and resolve once `out` has finished
 * (every byte flushed). The XLSX and PDF libraries pipe into `out` and end it
 * themselves, so "the writer ends the stream" is the one convention that holds
 * for every format.
 *
 * On failure (source iterator throws, `out` errors) a writer rejects and does
 * NOT end `out`: a truncated file must never look complete. The caller is
 * responsible for destroying `out` and discarding the partial file.
 *
 * How values are rendered per format (documented once, here):
 *  - CSV / XLSX / PDF are human-facing: `country` shows `countryName`.
 *    JSON lines is machine-facing: `country` is the ISO 3166 alpha-2 code.
 *  - `signedAs` / `source` are the raw enum values in CSV, XLSX and JSON
 *    (stable for re-import); the PDF translates them.
 *  - Dates: CSV and JSON use full ISO 8601 UTC (`Date#toISOString`, lossless
 *    and unambiguous); XLSX stores real Excel dates (UTC); PDF shows YYYY-MM-DD.
 */

export type ExportColumn = 'name' | 'email' | 'country' | 'city' | 'organisation' | 'signedAs' | 'signedAt' | 'source';

export interface ExportRow {
  name: string;
  email: string | null;
  country: string /* ISO 3166 alpha-2 */;
  countryName: string;
  city: string | null;
  organisation: string | null;
  signedAs: 'individual' | 'organisation';
  signedAt: Date;
  source: 'online' | 'paper';
}

export interface ExportMeta {
  exportId: string;
  letterTitle: string;
  letterBody: string /* Markdown */;
  recipient: string;
  language: string;
  generatedAt: Date;
  verifiedCount: number;
  columns: ExportColumn[];
  labels: Record<ExportColumn, string> /* header labels, already translated */;
  footerText?: string;
  /**
   * PDF only: the lines of the last page, a summary of the letter's audit trail without personal
   * data (see audit-summary.ts). Absent: no such page.
   */
  auditSummary?: string[];
}

export type ExportFormat = 'csv' | 'xlsx' | 'json' | 'pdf';

export type ExportWriter = (
  rows: AsyncIterable<ExportRow>,
  out: NodeJS.WritableStream,
  meta: ExportMeta,
) => Promise<{ rowCount: number }>;
