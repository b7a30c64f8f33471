/**
 * JSON Lines writer (https://jsonlines.org): one object per signature, each
 * terminated by "\n", no header, no trailer, no BOM. Keys are the chosen
 * columns (already camelCase) in `meta.columns` order.
 *
 * This is the machine-facing format, so values are raw, not prettified:
 * `country` is the ISO 3166 alpha-2 code, missing values are `null`, dates are
 * ISO 8601 UTC strings, and no spreadsheet formula neutralisation is applied
 * (a consumer parsing JSON must get the exact data).
 *
 * Each line is assembled from pre-serialised `"key":` prefixes plus
 * JSON.stringify of the single value, which avoids building a throwaway object
 * per row. JSON.stringify escapes newlines (so one record is always one line)
 * and lone surrogates (so the output is always valid UTF-8).
 */
import { createIsoFormatter } from '../cell-text';
import { ExportColumn, ExportRow, ExportWriter } from '../export-row';
import { writeTextRecords } from '../stream-helpers';

const CHUNK_CHARS = 32 * 1024;

type ValueEncoder = (row: ExportRow) => string;

function valueEncoder(column: ExportColumn): ValueEncoder {
  // ISO strings need no escaping; everything else (strings, nulls) goes through JSON.stringify.
  if (column === 'signedAt') {
    const iso = createIsoFormatter();
    return (row) => `"${iso(row.signedAt)}"`;
  }
  return (row) => JSON.stringify(row[column]);
}

function lineEncoder(columns: readonly ExportColumn[]): ValueEncoder {
  const prefixes = columns.map((column, i) => `${i === 0 ? '{' : ','}${JSON.stringify(column)}:`);
  const encoders = columns.map(valueEncoder);
  return (row) => {
    let line = '';
    for (let i = 0; i < encoders.length; i++) line += prefixes[i] + encoders[i](row);
    return line + '}\n';
  };
}

export const writeJsonLines: ExportWriter = async (rows, out, meta) => {
  if (meta.columns.length === 0) throw new Error('JSON export needs at least one column');
  const encode = lineEncoder(meta.columns);
  return writeTextRecords(rows, out, '', encode, CHUNK_CHARS);
};
