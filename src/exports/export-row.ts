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

import { finished } from 'stream/promises';

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
}

export type ExportFormat = 'csv' | 'xlsx' | 'json' | 'pdf';

export type ExportWriter = (
  rows: AsyncIterable<ExportRow>,
  out: NodeJS.WritableStream,
  meta: ExportMeta,
) => Promise<{ rowCount: number }>;

// ---------------------------------------------------------------------------
// Small helpers shared by the writers (kept here so writers never import each
// other and writers/index.ts stays a plain registry).
// ---------------------------------------------------------------------------

/**
 * Spreadsheet formula-injection guard (OWASP "CSV injection"): a cell starting
 * with = + - @ TAB or CR may be evaluated as a formula by Excel/LibreOffice/
 * Google Sheets, so it gets a leading apostrophe, which every spreadsheet
 * treats as "this is text". Applied to every user-controlled string cell in
 * CSV and XLSX; not to JSON (not a spreadsheet format) nor the PDF (inert).
 */
export function neutraliseFormula(value: string): string {
  if (value.length === 0) return value;
  const c = value.charCodeAt(0);
  // '=' 61, '+' 43, '-' 45, '@' 64, TAB 9, CR 13 — comparing char codes avoids a regex per cell.
  if (c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13) return `'${value}`;
  return value;
}

/** The human-facing text of a cell (CSV/XLSX/PDF), dates excluded. */
export function humanCellText(row: ExportRow, column: Exclude<ExportColumn, 'signedAt'>): string {
  switch (column) {
    case 'name':
      return row.name;
    case 'email':
      return row.email ?? '';
    case 'country':
      return row.countryName;
    case 'city':
      return row.city ?? '';
    case 'organisation':
      return row.organisation ?? '';
    case 'signedAs':
      return row.signedAs;
    case 'source':
      return row.source;
  }
}

const MS_PER_DAY = 86_400_000;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Same output as Date#toISOString, ~3x faster: toISOString was the single
 * hottest call in the CSV profile. One formatter per export (it caches). Signatures arrive ordered by time, so the
 * "YYYY-MM-DDT" prefix is computed by toISOString once per day and cached;
 * the time of day is plain arithmetic with lookup tables.
 */
export function createIsoFormatter(): (date: Date) => string {
  let cachedDay = Number.NaN;
  let cachedPrefix = '';
  return (date) => {
    const ms = date.getTime();
    const day = Math.floor(ms / MS_PER_DAY);
    if (day !== cachedDay) {
      cachedPrefix = date.toISOString().slice(0, -13); // throws RangeError on an invalid date, as intended
      cachedDay = day;
    }
    let rest = ms - day * MS_PER_DAY;
    const millis = rest % 1000;
    rest = (rest - millis) / 1000;
    const seconds = rest % 60;
    rest = (rest - seconds) / 60;
    return `${cachedPrefix}${PAD2[(rest - (rest % 60)) / 60]}:${PAD2[rest % 60]}:${PAD2[seconds]}.${PAD3[millis]}Z`;
  };
}

/**
 * Resolves when `out` can take more data. Rejects if `out` errors or closes
 * first, so a writer never hangs on a client that went away mid-download.
 */
export function waitForDrain(out: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Its 'close' has already been emitted, so waiting for events would wait forever.
    if (isDestroyed(out)) {
      reject(new Error('Output stream closed before the export was complete'));
      return;
    }
    const cleanup = (): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('Output stream closed before the export was complete'));
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/**
 * Watches `out` while a writer owns it. Without an 'error' listener, an error
 * emitted on the output (client disconnect, disk full) between two writes
 * would crash the process; here it is recorded and rethrown at the writer's
 * next checkpoint instead. A 'close' before the writer ended the stream is a
 * failure too (the client went away).
 */
export class OutputGuard {
  private failure: Error | null = null;
  private ending = false;

  private readonly onError = (err: Error): void => {
    this.failure ??= err;
  };

  private readonly onClose = (): void => {
    if (!this.ending) this.failure ??= new Error('Output stream closed before the export was complete');
  };

  constructor(private readonly out: NodeJS.WritableStream) {
    out.on('error', this.onError);
    out.on('close', this.onClose);
    if (isDestroyed(out)) this.onClose();
  }

  /** Throws the first error `out` reported, if any. Cheap: call it often. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Call before handing control to a library that will end `out` itself (zip, pdfkit). */
  expectEnd(): void {
    this.ending = true;
  }

  /** Waits until `out` has finished; call after the writer (or a piping library) ended it. */
  async finished(): Promise<void> {
    this.ending = true;
    this.check();
    if (!isFinished(this.out)) await finished(this.out);
    this.check();
  }

  /** Ends `out` and waits until every byte is flushed. */
  async end(): Promise<void> {
    this.ending = true;
    this.check();
    this.out.end();
    await this.finished();
  }

  release(): void {
    this.out.removeListener('error', this.onError);
    this.out.removeListener('close', this.onClose);
  }
}

// NodeJS.WritableStream is the minimal interface; real streams also expose these flags.
function isFinished(out: NodeJS.WritableStream): boolean {
  return 'writableFinished' in out && out.writableFinished === true;
}

function isDestroyed(out: NodeJS.WritableStream): boolean {
  return 'destroyed' in out && out.destroyed === true;
}

/**
 * Text sink for the line-oriented writers (CSV, JSON lines). Callers batch
 * records into ~32K-character chunks (far fewer write() calls than one per
 * row). Backpressure is honoured but overlapped with encoding: when write()
 * returns false we keep encoding the NEXT chunk and only wait for 'drain'
 * before handing it over. Memory stays bounded (highWaterMark + two chunks)
 * while CPU and I/O run in parallel instead of taking turns.
 */
/**
 * The loop of the text formats (CSV, JSON lines): encode each row into a string buffer and hand
 * it to the output in chunks of about `chunkChars`, waiting for the output to drain. On any
 * failure the output is abandoned, never ended, so a cut-off file never looks complete.
 */
export async function writeTextRecords(
  rows: AsyncIterable<ExportRow>,
  out: NodeJS.WritableStream,
  preamble: string,
  encode: (row: ExportRow) => string,
  chunkChars: number,
): Promise<{ rowCount: number }> {
  const sink = new ChunkedTextOutput(out);
  let buffer = preamble;
  let rowCount = 0;
  try {
    for await (const row of rows) {
      buffer += encode(row);
      rowCount++;
      if (buffer.length >= chunkChars) {
        const chunk = buffer;
        buffer = '';
        await sink.write(chunk);
      }
    }
    if (buffer.length > 0) await sink.write(buffer);
  } catch (err) {
    sink.abandon();
    throw err;
  }
  await sink.close();
  return { rowCount };
}

export class ChunkedTextOutput {
  /**
   * If `out` never pushes back (fast consumer, big buffer) and the source is
   * in memory, the writer's loop would only ever run microtasks: it would
   * block the event loop for the whole export and miss 'close'/'error' on
   * `out`. So every few chunks written without waiting we yield a turn.
   */
  private static readonly YIELD_EVERY_CHUNKS = 16;

  private pendingDrain: Promise<void> | null = null;
  private chunksSinceYield = 0;
  private readonly guard: OutputGuard;

  constructor(private readonly out: NodeJS.WritableStream) {
    this.guard = new OutputGuard(out);
  }

  async write(chunk: string): Promise<void> {
    if (this.pendingDrain) {
      await this.pendingDrain; // 'drain' arrives on a later turn, so this yields too
      this.chunksSinceYield = 0;
    } else if (++this.chunksSinceYield >= ChunkedTextOutput.YIELD_EVERY_CHUNKS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.chunksSinceYield = 0;
    }
    this.guard.check();
    this.pendingDrain = this.out.write(chunk) ? null : this.drainLater();
  }

  /** Flushes, ends `out`, waits for 'finish'. Always releases the guard. */
  async close(): Promise<void> {
    try {
      if (this.pendingDrain) await this.pendingDrain;
      await this.guard.end();
    } finally {
      this.guard.release();
    }
  }

  /** For the failure path: stop watching `out` without ending it. */
  abandon(): void {
    this.pendingDrain = null;
    this.guard.release();
  }

  private drainLater(): Promise<void> {
    const drained = waitForDrain(this.out);
    // Observed by the next write()/close(); this only prevents an "unhandled rejection" in between.
    drained.catch(() => undefined);
    return drained;
  }
}
