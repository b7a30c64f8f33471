/**
 * CSV writer: UTF-8 with BOM (so Excel detects the encoding), RFC 4180
 * quoting, CRLF record separators, one header row from `meta.labels`.
 *
 * Why a hand-written encoder rather than csv-stringify: both produced
 * byte-identical files for our data (checked with cmp; tests parse ours back
 * with csv-parse), but on 1,000,000 synthetic rows written to /dev/null
 * (Node 20, 8 columns, ~100 bytes/row) the hand-written one took ~1.9 s
 * (~520k rows/s, 2.4 CPU-s including the synthetic source) against ~5 s
 * (~200k rows/s, 6+ CPU-s) for csv-stringify, which builds a record array,
 * runs its option/cast machinery per field and pushes one chunk per record
 * through a Transform. This export is benchmarked against PostgreSQL COPY TO
 * CSV, so the ~2.5x matters; the encoder is ~20 lines.
 *
 * Streaming: records are concatenated into a string buffer and handed to `out`
 * in ~32K-character chunks through writeTextRecords, which awaits 'drain'
 * whenever `out` is full, so memory stays flat regardless of row count (at
 * most `out`'s highWaterMark plus two chunks are ever buffered).
 *
 * Dates are full ISO 8601 in UTC (`2024-05-01T12:34:56.000Z`): lossless,
 * unambiguous, and identical to what Date#toISOString / JSON produce.
 */
import { createIsoFormatter, humanCellText, neutraliseFormula } from '../cell-text';
import { ExportColumn, ExportMeta, ExportRow, ExportWriter } from '../export-row';
import { writeTextRecords } from '../stream-helpers';

const BOM = '\uFEFF';
const CRLF = '\r\n';
/** Flush threshold in UTF-16 code units (≤ ~96 KB of UTF-8). Exported for tests. */
export const CSV_CHUNK_CHARS = 32 * 1024;

const NEEDS_QUOTING = /[",\r\n]/;
const QUOTE = /"/g;

/** RFC 4180 field: quote only when needed, double embedded quotes. Formula-neutralised first. */
export function csvField(value: string): string {
  const safe = neutraliseFormula(value);
  if (!NEEDS_QUOTING.test(safe)) return safe;
  return `"${safe.replace(QUOTE, '""')}"`;
}

type CellEncoder = (row: ExportRow) => string;

/** One encoder per column, resolved once per export instead of a switch per cell. */
function cellEncoder(column: ExportColumn): CellEncoder {
  if (column === 'signedAt') {
    // ISO strings contain no quote/comma/newline and never start with a formula char.
    const iso = createIsoFormatter();
    return (row) => iso(row.signedAt);
  }
  return (row) => csvField(humanCellText(row, column));
}

function headerLine(meta: Pick<ExportMeta, 'columns' | 'labels'>): string {
  return meta.columns.map((column) => csvField(meta.labels[column])).join(',') + CRLF;
}

/** What comes before the first record: the BOM and the header line. */
export function csvPreamble(meta: Pick<ExportMeta, 'columns' | 'labels'>): string {
  return BOM + headerLine(meta);
}

function recordEncoder(columns: readonly ExportColumn[]): CellEncoder {
  const encoders = columns.map(cellEncoder);
  const last = encoders.length - 1;
  return (row) => {
    let line = '';
    for (let i = 0; i < last; i++) line += encoders[i](row) + ',';
    return line + encoders[last](row) + CRLF;
  };
}

export const writeCsv: ExportWriter = async (rows, out, meta) => {
  if (meta.columns.length === 0) throw new Error('CSV export needs at least one column');
  const encode = recordEncoder(meta.columns);
  return writeTextRecords(rows, out, csvPreamble(meta), encode, CSV_CHUNK_CHARS);
};
