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
 *  - `textVersion` is `<language> v<number>` in CSV, XLSX and PDF, and
 *    `{"language", "version"}` in JSON.
 *  - Dates: CSV and JSON use full ISO 8601 UTC (`Date#toISOString`, lossless
 *    and unambiguous); XLSX stores real Excel dates (UTC); PDF shows YYYY-MM-DD.
 */

export type ExportColumn =
  | 'name'
  | 'email'
  | 'country'
  | 'city'
  | 'organisation'
  | 'occupation'
  | 'signedAs'
  | 'signedAt'
  | 'source'
  | 'textVersion';

export interface ExportRow {
  name: string;
  email: string | null;
  country: string /* ISO 3166 alpha-2 */;
  countryName: string;
  city: string | null;
  organisation: string | null;
  /** Occupation or title, where the letter asks it. */
  occupation: string | null;
  signedAs: 'individual' | 'organisation';
  signedAt: Date;
  source: 'online' | 'paper';
  /** The text the signature is under; null for one made before texts had versions and not backfilled. */
  textVersion: { language: string; version: number } | null;
}

/** A version of the letter's text that signatures in the file are under (the PDF pack prints each). */
export interface SignedTextVersion {
  language: string;
  version: number;
  title: string;
  body: string /* Markdown */;
  publishedAt: Date;
  current: boolean;
  /** Signatures in this file under this text. */
  signatures: number;
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
  /** Every version of the text with signatures in this file (the PDF pack prints those it has not printed as the letter). */
  textVersions?: SignedTextVersion[];
  /**
   * PDF only: the lines of the last page, a summary of the letter's audit trail without personal
   * data (see audit-summary.ts). Absent: no such page.
   */
  auditSummary?: string[];
  /** PDF only: the trail's chain head (place and hash of its newest entry), phrased, under the summary. */
  auditChainHead?: string;
}

export type ExportFormat = 'csv' | 'xlsx' | 'json' | 'pdf';

export type ExportWriter = (
  rows: AsyncIterable<ExportRow>,
  out: NodeJS.WritableStream,
  meta: ExportMeta,
) => Promise<{ rowCount: number }>;
