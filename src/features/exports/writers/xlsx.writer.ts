/**
 * XLSX writer: exceljs's streaming WorkbookWriter, one sheet "Signatures",
 * bold frozen header row with an auto-filter, each row committed (serialised
 * and released) as soon as it arrives, so memory does not grow with the
 * number of rows.
 *
 * - Strings are neutralised against formula injection even though exceljs
 *   writes them as string cells: users copy/paste or re-save as CSV, and the
 *   guard must survive that.
 * - `signedAt` is a real Excel date (serial number, UTC) with a date format,
 *   so it sorts and filters as a date.
 * - Missing values are empty cells, not empty strings.
 *
 * Backpressure: exceljs writes rows synchronously into an internal buffer
 * that feeds the zip compressor; it never pushes back. We therefore check,
 * every few hundred rows, how many bytes are still queued in front of the
 * compressor (and whether `out` is congested) and wait until they have been
 * consumed. Without this, a slow client on a 1M-row export would make the
 * whole sheet accumulate in memory.
 */
import { Stream } from 'stream';
import type ExcelJS from 'exceljs';
import { humanCellText, neutraliseFormula } from '../cell-text';
import { ExportColumn, ExportMeta, ExportRow, ExportWriter } from '../export-row';
import { OutputGuard } from '../stream-helpers';

const SHEET_NAME = 'Signatures';
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** How often (in rows) to let the compressor catch up. */
const BACKPRESSURE_CHECK_EVERY = 256;
/** Max uncompressed bytes allowed to wait in front of the compressor. */
const MAX_QUEUED_BYTES = 1024 * 1024;

const COLUMN_WIDTHS: Record<ExportColumn, number> = {
  name: 32,
  email: 34,
  country: 20,
  city: 20,
  organisation: 32,
  occupation: 28,
  signedAs: 14,
  textVersion: 12,
  signedAt: 20,
  source: 10,
};

type CellValue = string | Date | null;

/**
 * XML parsers turn a raw CR (and CRLF) into LF, so that is what any reader
 * would see; normalising here makes it explicit instead of parser-dependent.
 * Neutralisation runs first, so a value that *started* with CR is still
 * prefixed. (XML-illegal control characters are dropped by exceljs.)
 */
function xlsxText(text: string): string {
  const safe = neutraliseFormula(text);
  return safe.includes('\r') ? safe.replace(/\r\n?/g, '\n') : safe;
}

function cellValue(row: ExportRow, column: ExportColumn): CellValue {
  if (column === 'signedAt') return row.signedAt;
  const text = humanCellText(row, column);
  return text === '' ? null : xlsxText(text);
}

function defineColumns(sheet: ExcelJS.Worksheet, meta: ExportMeta): void {
  sheet.columns = meta.columns.map((column) => ({
    header: xlsxText(meta.labels[column]),
    key: column,
    width: COLUMN_WIDTHS[column],
    style: column === 'signedAt' ? { numFmt: DATE_FORMAT } : {},
  }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.commit();
}

/** The internals pendingBytes() relies on, typed only as far as we read them. */
interface SheetStreamInternals {
  stream?: { pipes?: Array<{ _writableState?: { length?: unknown } }> };
}

/**
 * Uncompressed bytes exceljs has handed to the zip pipeline that have not been
 * consumed yet. This reads exceljs/archiver internals: the sheet's StreamBuf
 * pipes into a readable-stream@2 PassThrough created by archiver (v2 has no
 * public `writableLength`, hence `_writableState.length`). Every step is
 * checked and an unrecognised shape yields 0, in which case we still honour
 * `out`'s own backpressure signal. Without this probe a 1M-row export into a
 * slow client grew to ~350 MB RSS; with it RSS stays flat (~150 MB).
 */
function pendingBytes(sheet: ExcelJS.Worksheet): number {
  const internals = sheet as unknown as SheetStreamInternals;
  const queued = internals.stream?.pipes?.[0]?._writableState?.length;
  return typeof queued === 'number' ? queued : 0;
}

function outputCongested(out: NodeJS.WritableStream): boolean {
  return 'writableNeedDrain' in out && out.writableNeedDrain === true;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const shortPause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

/** Lets the zip pipeline and `out` catch up before we serialise more rows. */
async function letOutputCatchUp(
  sheet: ExcelJS.Worksheet,
  out: NodeJS.WritableStream,
  guard: OutputGuard,
): Promise<void> {
  await nextTurn();
  while (pendingBytes(sheet) > MAX_QUEUED_BYTES || outputCongested(out)) {
    guard.check();
    await shortPause();
  }
  guard.check();
}

/**
 * exceljs is loaded on the first XLSX export, not at start: it is ~13 MB of memory that a web
 * process, a worker or a CSV export never needs.
 */
async function loadExcel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

function createWorkbook(
  excel: typeof ExcelJS,
  out: NodeJS.WritableStream,
  meta: ExportMeta,
): ExcelJS.stream.xlsx.WorkbookWriter {
  const workbook = new excel.stream.xlsx.WorkbookWriter({
    // exceljs types want a Stream class; any Node writable is one at runtime.
    stream: out as unknown as Stream,
    useStyles: true, // needed for the bold header and the date format
    useSharedStrings: false, // shared strings would keep every distinct name in memory
  });
  workbook.creator = 'Undersigned';
  workbook.created = meta.generatedAt;
  workbook.modified = meta.generatedAt;
  workbook.title = meta.letterTitle;
  return workbook;
}

export const writeXlsx: ExportWriter = async (rows, out, meta) => {
  if (meta.columns.length === 0) throw new Error('XLSX export needs at least one column');
  const guard = new OutputGuard(out);
  try {
    const workbook = createWorkbook(await loadExcel(), out, meta);
    const sheet = workbook.addWorksheet(SHEET_NAME, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: meta.columns.length } };
    defineColumns(sheet, meta);

    let rowCount = 0;
    for await (const row of rows) {
      sheet.addRow(meta.columns.map((column) => cellValue(row, column))).commit();
      rowCount++;
      if (rowCount % BACKPRESSURE_CHECK_EVERY === 0) await letOutputCatchUp(sheet, out, guard);
    }
    sheet.commit();
    guard.expectEnd();
    await workbook.commit(); // finalises the zip, which ends `out`
    await guard.finished();
    return { rowCount };
  } finally {
    guard.release();
  }
};
