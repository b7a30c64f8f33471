/**
 * The delivery CSV streamed by PostgreSQL itself: `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)`
 * through pg-copy-streams, so Node neither parses rows nor builds strings per cell; it only
 * turns COPY's LF record ends into CRLF and digests the bytes on their way out.
 *
 * The file is byte for byte what the CSV writer (writers/csv.writer.ts) makes of the same rows,
 * and a test compares the two:
 * - BOM and the header line come from the writer's own functions;
 * - the formula guard (cell-text.ts: a leading = + - @ TAB or CR gets an apostrophe) is the
 *   SQL expression `neutralised()` below, on every text cell;
 * - an empty or missing value is an unquoted empty field: values are made NULL when empty, as
 *   COPY writes NULL as nothing and an empty string as "";
 * - COPY quotes exactly the fields the writer quotes (a comma, a quote, CR or LF in them) and
 *   doubles quotes the same way;
 * - dates are Date#toISOString's form (UTC, milliseconds, "Z");
 * - country names are looked up in the app's catalogue for the file's language and handed to the
 *   query as a small table.
 * One difference remains, by COPY's design: a file whose only column is the name, and a name that
 * is exactly `\.`, gets that name quoted.
 *
 * Publication files keep the writer: initials are made by initialsOf, whose Unicode rules (case
 * mapping of any script) the database's collation cannot promise to repeat.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { allCountryCodes, countryName } from '../../platform/web/i18n';
import type { Language } from '../../core/letters/letter.entity';
import { neutraliseFormula } from './cell-text';
import type { SelectionSql } from './export-query';
import type { ExportColumn, ExportMeta } from './export-row';
import { csvPreamble } from './writers/csv.writer';

/** The formula guard of cell-text.ts in SQL: = + - @ TAB CR are code points 61 43 45 64 9 13. */
function neutralised(expr: string): string {
  return `(CASE WHEN ascii(${expr}) IN (61, 43, 45, 64, 9, 13) THEN '''' || ${expr} ELSE ${expr} END)`;
}

function cellSql(column: ExportColumn, signedAt: string): string {
  switch (column) {
    case 'name':
      return neutralised(`nullif(s.full_name, '')`);
    case 'email':
      return neutralised(`nullif(s.email, '')`);
    case 'country':
      return neutralised(`nullif(coalesce(cn.name, s.country), '')`);
    case 'city':
      return neutralised(`nullif(s.city, '')`);
    case 'organisation':
      return neutralised(`nullif(s.organisation, '')`);
    case 'occupation':
      return neutralised(`nullif(s.occupation, '')`);
    case 'signedAs':
      return neutralised(`s.signed_as::text`);
    case 'source':
      return neutralised(`s.source::text`);
    case 'textVersion':
      // "<language> v<number>", as textVersionText in cell-text.ts; empty when not recorded.
      return neutralised(
        `CASE WHEN s.text_language IS NOT NULL AND s.text_version IS NOT NULL THEN s.text_language || ' v' || s.text_version END`,
      );
    case 'signedAt':
      // Date#toISOString: UTC, milliseconds (truncated, as the driver's Date truncates them), "Z".
      return `to_char(${signedAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }
}

/** Replaces $1, $2… in the selection's SQL with quoted literals (COPY takes no parameters). */
function inlineParams(sql: string, params: unknown[], client: PoolClient): string {
  return sql.replace(/\$(\d+)\b/g, (_, n: string) => client.escapeLiteral(String(params[Number(n) - 1])));
}

/** The COPY statement for a delivery CSV of the selection, in the file's column order. */
export function copyCsvSql(
  client: PoolClient,
  sel: SelectionSql,
  columns: readonly ExportColumn[],
  language: Language,
): string {
  const codes = allCountryCodes();
  const names = codes.map((code) => neutraliseFormula(countryName(code, language)));
  const literalArray = (values: string[]) => `ARRAY[${values.map((v) => client.escapeLiteral(v)).join(',')}]::text[]`;
  const select = `SELECT ${columns.map((c) => cellSql(c, sel.signedAt)).join(', ')}
                    FROM signatures s
                    LEFT JOIN unnest(${literalArray(codes)}, ${literalArray(names)}) AS cn(code, name) ON cn.code = s.country
                   WHERE ${inlineParams(sel.where, sel.params, client)}
                ORDER BY ${sel.signedAt}, s.id`;
  return `COPY (${select}) TO STDOUT WITH (FORMAT csv)`;
}

/**
 * COPY ends every record with LF; the file's records end with CRLF (RFC 4180), while a line
 * break inside a quoted value stays as it was. Quotes toggle "inside a value" (a doubled quote
 * toggles twice); no byte of a multi-byte UTF-8 character is a quote or LF.
 */
export class CrlfRecords extends Transform {
  private inQuotes = false;
  private reported = 0;
  records = 0;

  /** `onProgress` hears the number of records every 10,000 or so. */
  constructor(private readonly onProgress: (records: number) => void = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const ends: number[] = [];
    let quote = chunk.indexOf(0x22);
    let lf = chunk.indexOf(0x0a);
    while (lf !== -1) {
      if (quote !== -1 && quote < lf) {
        this.inQuotes = !this.inQuotes;
        quote = chunk.indexOf(0x22, quote + 1);
        continue;
      }
      if (!this.inQuotes) ends.push(lf);
      lf = chunk.indexOf(0x0a, lf + 1);
    }
    // Quotes after the last LF still count for the next chunk.
    while (quote !== -1) {
      this.inQuotes = !this.inQuotes;
      quote = chunk.indexOf(0x22, quote + 1);
    }
    this.records += ends.length;
    if (this.records - this.reported >= 10_000) {
      this.reported = this.records;
      this.onProgress(this.records);
    }
    if (!ends.length) {
      done(null, chunk);
      return;
    }
    const out = Buffer.allocUnsafe(chunk.length + ends.length);
    let from = 0;
    let at = 0;
    for (const end of ends) {
      at += chunk.copy(out, at, from, end);
      out[at++] = 0x0d;
      out[at++] = 0x0a;
      from = end + 1;
    }
    chunk.copy(out, at, from);
    done(null, out);
  }
}

/**
 * Streams the delivery CSV of the selection into `out` (the digesting stream), ending it.
 * Runs in the caller's transaction on `client`. Resolves with the number of records.
 */
export async function copyCsv(
  client: PoolClient,
  sel: SelectionSql,
  meta: Pick<ExportMeta, 'columns' | 'labels'>,
  language: Language,
  out: NodeJS.WritableStream,
  onProgress: (records: number) => void,
): Promise<{ rowCount: number }> {
  if (meta.columns.length === 0) throw new Error('CSV export needs at least one column');
  const records = new CrlfRecords(onProgress);
  // The preamble goes first, through the same pipe, so it is digested with the rest.
  records.push(Buffer.from(csvPreamble(meta), 'utf8'));
  const copy = client.query(copyTo(copyCsvSql(client, sel, meta.columns, language)));
  await pipeline(copy, records, out);
  onProgress(records.records);
  return { rowCount: records.records };
}
