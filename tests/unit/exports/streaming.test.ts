/**
 * Streaming behaviour: backpressure, SHA-256 digest tee, and what happens
 * when the source or the destination fails half-way.
 */
import { createHash } from 'crypto';
import { Writable } from 'stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { createDigestingStream } from '../../../src/features/exports/sha256-tee';
import { ExportFormat, ExportMeta, ExportRow } from '../../../src/features/exports/export-row';
import { CSV_CHUNK_CHARS } from '../../../src/features/exports/writers/csv.writer';
import { writers } from '../../../src/features/exports/writers';

const META: ExportMeta = {
  exportId: 'exp_stream',
  letterTitle: 'Letter',
  letterBody: 'Body',
  recipient: 'Recipient',
  language: 'en',
  generatedAt: new Date(Date.UTC(2025, 0, 1)),
  verifiedCount: 0,
  columns: ['name', 'email', 'country', 'city', 'organisation', 'signedAs', 'signedAt', 'source'],
  labels: {
    name: 'Name',
    email: 'Email',
    country: 'Country',
    city: 'City',
    organisation: 'Organisation',
    occupation: 'Occupation or title',
    signedAs: 'Signed as',
    signedAt: 'Signed at',
    source: 'Source',
    textVersion: 'Text signed',
  },
};

function makeRow(i: number): ExportRow {
  return {
    name: i % 2 ? `Айгерім Қасымқызы ${i}` : `Олена Ковальчук ${i}`,
    email: `user${i}@example.org`,
    country: 'KZ',
    countryName: 'Kazakhstan',
    city: i % 3 ? 'Алматы' : null,
    organisation: i % 5 ? null : `Org ${i}`,
    occupation: null,
    signedAs: i % 5 ? 'individual' : 'organisation',
    signedAt: new Date(Date.UTC(2025, 0, 1) + i * 1000),
    source: 'online',
    textVersion: { language: 'en', version: 1 },
  };
}

/** Collecting writable that completes each write on a later turn of the event loop. */
function slowSink(highWaterMark: number): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      setImmediate(callback);
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

/** Async view of a sync iterable, one item per next() and no read-ahead — like a database cursor. */
function toAsync<T>(items: Iterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = items[Symbol.iterator]();
      return { next: () => new Promise<IteratorResult<T>>((resolve) => resolve(iterator.next())) };
    },
  };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('CSV writer backpressure', () => {
  it('waits for drain so a slow destination never buffers much more than its highWaterMark', async () => {
    const total = 200_000;
    const highWaterMark = 16 * 1024;
    const sink = slowSink(highWaterMark);
    let maxBuffered = 0;
    let drains = 0;
    sink.stream.on('drain', () => drains++);

    // Sample the destination's buffer every time the writer pulls a row: if the
    // writer ignored write() === false, this would grow to the whole file (~20 MB).
    function* rows(): Iterable<ExportRow> {
      for (let i = 0; i < total; i++) {
        maxBuffered = Math.max(maxBuffered, sink.stream.writableLength);
        yield makeRow(i);
      }
    }

    const { rowCount } = await writers.csv(toAsync(rows()), sink.stream, META);
    const output = sink.bytes();

    expect(rowCount).toBe(total);
    expect(output.length).toBeGreaterThan(15 * 1024 * 1024);
    // Bound: highWaterMark + the two chunks the writer may have in flight (≤ 3 bytes per UTF-16 unit).
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + 2 * CSV_CHUNK_CHARS * 3);
    expect(drains).toBeGreaterThan(10);
    const lines = output.toString('utf8').split('\r\n');
    expect(lines).toHaveLength(total + 2); // header + rows + the empty string after the final CRLF
    expect(lines[total]).toBe(
      `Айгерім Қасымқызы ${total - 1},user${total - 1}@example.org,Kazakhstan,Алматы,,individual,${makeRow(total - 1).signedAt.toISOString()},online`,
    );
  }, 60_000);
});

describe('createDigestingStream', () => {
  it.each<ExportFormat>(['csv', 'json', 'xlsx', 'pdf'])(
    'reports the SHA-256 and size of exactly the bytes written (%s)',
    async (format) => {
      const sink = slowSink(1024);
      const digesting = createDigestingStream(sink.stream);
      const rows = Array.from({ length: 300 }, (_, i) => makeRow(i));
      await writers[format](toAsync(rows), digesting.stream, META);

      // The writer resolved, so the destination has finished too.
      expect(sink.stream.writableFinished).toBe(true);
      const written = sink.bytes();
      expect(written.length).toBeGreaterThan(0);
      expect(digesting.bytes()).toBe(written.length);
      expect(digesting.digest()).toBe(sha256(written));
    },
  );

  it('forwards backpressure: the digesting stream buffers no more than one chunk beyond the destination', async () => {
    const sink = slowSink(4 * 1024);
    const digesting = createDigestingStream(sink.stream);
    let maxBuffered = 0;
    function* rows(): Iterable<ExportRow> {
      for (let i = 0; i < 20_000; i++) {
        maxBuffered = Math.max(maxBuffered, digesting.stream.writableLength + sink.stream.writableLength);
        yield makeRow(i);
      }
    }
    await writers.csv(toAsync(rows()), digesting.stream, META);
    expect(maxBuffered).toBeLessThanOrEqual(4 * 1024 + 16 * 1024 + 2 * CSV_CHUNK_CHARS * 3);
    expect(digesting.digest()).toBe(sha256(sink.bytes()));
  });

  it('accepts strings and Buffers and can leave the destination open', async () => {
    const sink = slowSink(1024);
    const digesting = createDigestingStream(sink.stream, { end: false });
    digesting.stream.write('Айгерім,');
    digesting.stream.write(Buffer.from('Қасымқызы\r\n'));
    await new Promise<void>((resolve) => digesting.stream.end(resolve));
    expect(sink.stream.writableEnded).toBe(false);
    // end: false hands every byte to the destination but does not wait for it to flush; end it ourselves.
    await new Promise<void>((resolve) => sink.stream.end(resolve));
    expect(sink.bytes().toString('utf8')).toBe('Айгерім,Қасымқызы\r\n');
    expect(digesting.digest()).toBe(sha256(Buffer.from('Айгерім,Қасымқызы\r\n')));
    expect(digesting.bytes()).toBe(Buffer.byteLength('Айгерім,Қасымқызы\r\n'));
  });

  it('refuses to report a digest before the stream has finished', () => {
    const digesting = createDigestingStream(slowSink(1024).stream);
    expect(() => digesting.digest()).toThrow(/finished/);
  });
});

describe('failures half-way through', () => {
  function* failingSource(after: number): Iterable<ExportRow> {
    for (let i = 0; i < after; i++) yield makeRow(i);
    throw new Error('database cursor lost');
  }

  it.each<ExportFormat>(['csv', 'json', 'xlsx', 'pdf'])(
    '%s: rejects with the source error and leaves the output un-ended',
    async (format) => {
      const sink = slowSink(1024);
      await expect(writers[format](toAsync(failingSource(2_000)), sink.stream, META)).rejects.toThrow(
        'database cursor lost',
      );
      expect(sink.stream.writableEnded).toBe(false);
      sink.stream.destroy();
    },
  );

  it.each<ExportFormat>(['csv', 'json', 'xlsx', 'pdf'])(
    '%s: rejects instead of hanging when the client goes away',
    async (format) => {
      const sink = slowSink(1024);
      function* rows(): Iterable<ExportRow> {
        for (let i = 0; i < 50_000; i++) {
          if (i === 5_000) sink.stream.destroy(); // e.g. the HTTP client disconnected
          yield makeRow(i);
        }
      }
      await expect(writers[format](toAsync(rows()), sink.stream, META)).rejects.toThrow();
    },
    20_000,
  );

  it('a digesting stream surfaces a destination error to the writer', async () => {
    const broken = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        callback(new Error('disk full'));
      },
    });
    broken.on('error', () => undefined); // the test owns the destination
    const digesting = createDigestingStream(broken);
    const rows = Array.from({ length: 50_000 }, (_, i) => makeRow(i));
    await expect(writers.csv(toAsync(rows), digesting.stream, META)).rejects.toThrow('disk full');
  });
});

describe('CSV output sanity at volume', () => {
  it('parses back 20,000 rows with csv-parse', async () => {
    const sink = slowSink(64 * 1024);
    const rows = Array.from({ length: 20_000 }, (_, i) => makeRow(i));
    await writers.csv(toAsync(rows), sink.stream, META);
    const records: string[][] = parseCsv(sink.bytes(), { bom: true, record_delimiter: ['\r\n'] });
    expect(records).toHaveLength(20_001);
    expect(records[20_000][0]).toBe('Айгерім Қасымқызы 19999');
  });
});
