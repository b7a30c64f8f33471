/**
 * Registry of export writers and the HTTP/file metadata that goes with each
 * format. Every writer follows the contract in ../export-row.ts: it consumes
 * the rows, writes one complete file to `out`, ends `out`, and resolves with
 * the row count once `out` has finished.
 */
import { ExportFormat, ExportWriter } from '../export-row';
import { writeCsv } from './csv.writer';
import { writeJsonLines } from './jsonl.writer';
import { writePdf } from './pdf.writer';
import { writeXlsx } from './xlsx.writer';

export const writers: Record<ExportFormat, ExportWriter> = {
  csv: writeCsv,
  xlsx: writeXlsx,
  json: writeJsonLines,
  pdf: writePdf,
};

/** Content-Type per format (charset stated for the text formats). */
export const contentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  // JSON Lines has no registered media type; application/x-ndjson is the most widely recognised.
  json: 'application/x-ndjson; charset=utf-8',
  pdf: 'application/pdf',
};

/** File extension per format, without the dot. The 'json' format is JSON Lines. */
export const fileExtensions: Record<ExportFormat, string> = {
  csv: 'csv',
  xlsx: 'xlsx',
  json: 'jsonl',
  pdf: 'pdf',
};

export const exportFormats: readonly ExportFormat[] = ['csv', 'xlsx', 'json', 'pdf'];

export function isExportFormat(value: string): value is ExportFormat {
  return (exportFormats as readonly string[]).includes(value);
}

export { writeCsv, writeJsonLines, writePdf, writeXlsx };
