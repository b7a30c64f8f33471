/**
 * Tee a writer's output through SHA-256 so the caller can record the file's
 * digest and size in the same pass that streams it to storage / the client.
 *
 *   const d = createDigestingStream(fileStream);
 *   await writers.csv(rows, d.stream, meta);   // writer ends d.stream
 *   record(d.digest(), d.bytes());
 *
 * Backpressure is forwarded: a write to `stream` only completes once the
 * destination accepted the chunk (or drained), so a slow destination slows the
 * writer down instead of piling bytes up here.
 *
 * End semantics: ending `stream` ends the destination and 'finish' on `stream`
 * fires only after the destination has finished too, so "the writer resolved"
 * means "every byte is flushed downstream and digest()/bytes() are final".
 * Pass `{ end: false }` to keep the destination open (e.g. to append more);
 * 'finish' then only means every byte was handed to the destination.
 */
import { createHash } from 'crypto';
import { Writable } from 'stream';
import { finished } from 'stream/promises';

export interface DigestingStream {
  /** Hand this to the writer instead of the destination. */
  stream: Writable;
  /** Hex SHA-256 of everything written; only valid once `stream` has finished. */
  digest(): string;
  /** Number of bytes written so far. */
  bytes(): number;
}

export interface DigestingStreamOptions {
  /** End the destination when `stream` ends (default true). */
  end?: boolean;
}

function toBuffer(chunk: unknown, encoding: BufferEncoding): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('Digesting stream accepts only strings, Buffers and Uint8Arrays');
}

/** Calls `done` once `out` accepted the chunk: immediately, or after 'drain'/'error'. */
function forward(out: NodeJS.WritableStream, chunk: Buffer, done: (err?: Error | null) => void): void {
  if (out.write(chunk)) {
    done();
    return;
  }
  const onDrain = (): void => {
    out.removeListener('error', onError);
    done();
  };
  const onError = (err: Error): void => {
    out.removeListener('drain', onDrain);
    done(err);
  };
  out.once('drain', onDrain);
  out.once('error', onError);
}

/** Ends `out` and reports once it has finished, failed, or closed prematurely. */
function finish(out: NodeJS.WritableStream, done: (err?: Error | null) => void): void {
  out.end();
  finished(out).then(
    () => done(),
    (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
  );
}

/**
 * A destination failure must surface on `stream`, where the writer is
 * listening; otherwise a write waiting for 'drain' would wait forever.
 */
function propagateDestinationFailure(out: NodeJS.WritableStream, stream: Writable, ended: () => boolean): void {
  const onError = (err: Error): void => {
    stream.destroy(err);
  };
  const onClose = (): void => {
    if (!ended()) stream.destroy(new Error('Export destination closed before the export was complete'));
  };
  out.on('error', onError);
  out.on('close', onClose);
  stream.once('close', () => {
    out.removeListener('error', onError);
    out.removeListener('close', onClose);
  });
}

export function createDigestingStream(
  out: NodeJS.WritableStream,
  options: DigestingStreamOptions = {},
): DigestingStream {
  const hash = createHash('sha256');
  const endDestination = options.end ?? true;
  let byteCount = 0;
  let hex: string | null = null;
  let finalising = false;

  const stream = new Writable({
    // Strings are passed through as-is by Writable when decodeStrings is false,
    // so we hash exactly the bytes the destination will receive.
    decodeStrings: false,
    write(chunk: unknown, encoding: BufferEncoding, callback) {
      try {
        const buffer = toBuffer(chunk, encoding);
        hash.update(buffer);
        byteCount += buffer.length;
        forward(out, buffer, callback);
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)));
      }
    },
    final(callback) {
      finalising = true;
      hex = hash.digest('hex');
      if (endDestination) finish(out, callback);
      else callback();
    },
  });

  propagateDestinationFailure(out, stream, () => finalising);

  return {
    stream,
    digest() {
      if (hex === null) throw new Error('digest() is only available once the stream has finished');
      return hex;
    },
    bytes: () => byteCount,
  };
}
