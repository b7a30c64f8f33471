/**
 * Stream plumbing shared by the writers: waiting for 'drain', watching the output for errors and
 * early closes while a writer owns it, and the chunked loop of the text formats (CSV, JSON lines).
 */
import { finished } from 'stream/promises';
import type { ExportRow } from './export-row';

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

/**
 * Text sink for the line-oriented writers (CSV, JSON lines). Callers batch
 * records into ~32K-character chunks (far fewer write() calls than one per
 * row). Backpressure is honoured but overlapped with encoding: when write()
 * returns false we keep encoding the NEXT chunk and only wait for 'drain'
 * before handing it over. Memory stays bounded (highWaterMark + two chunks)
 * while CPU and I/O run in parallel instead of taking turns.
 */
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
