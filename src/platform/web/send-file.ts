import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { LARGE_OBJECT_CHUNK_BYTES, readLargeObject } from '../db/large-objects';

/** A stored file as a download needs it: where its bytes are, how many, their SHA-256 and the name to offer. */
export interface StoredFile {
  oid: number;
  bytes: number;
  sha256: string;
  name: string;
  contentType: string;
}

/** RFC 5987 attr-char: what may stand unencoded in `filename*`. */
function encodeExtValue(s: string): string {
  return encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `Content-Disposition: attachment` with the name twice, as RFC 6266 advises: `filename` in
 * printable ASCII (anything else, and the quote and backslash, become "_") for old clients, and
 * `filename*` in UTF-8 for the rest. The name must already be safe (no path, no controls).
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeExtValue(name)}`;
}

/** Whether If-None-Match names this (strong) ETag: `*`, or one of a list, weak or not (RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function writable(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Sends a file kept as a large object, LARGE_OBJECT_CHUNK_BYTES at a time and only as fast as the
 * client reads (the next chunk is fetched once the last one has drained): a slow reader of a
 * 10 MB file holds one chunk, not the file. Its SHA-256 is its strong ETag; a client that has
 * it gets 304. A failure half-way (the file deleted meanwhile) closes the connection, so the
 * client sees a cut download rather than a short file.
 */
export async function sendLargeObject(
  db: DataSource,
  req: Request,
  res: Response,
  file: StoredFile,
  opts: { cacheControl: string; disposition?: 'attachment' | 'inline' },
): Promise<void> {
  const etag = `"${file.sha256}"`;
  res.set({ ETag: etag, 'Cache-Control': opts.cacheControl });
  if (etagMatches(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  res.status(200).set({
    'Content-Type': file.contentType,
    'Content-Length': String(file.bytes),
    // An image shown in a page is `inline`; anything else is a download, whatever its type.
    'Content-Disposition':
      opts.disposition === 'inline'
        ? contentDisposition(file.name).replace(/^attachment/, 'inline')
        : contentDisposition(file.name),
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    for (let offset = 0; offset < file.bytes && !res.destroyed; offset += LARGE_OBJECT_CHUNK_BYTES) {
      const chunk = await readLargeObject(
        db,
        file.oid,
        offset,
        Math.min(LARGE_OBJECT_CHUNK_BYTES, file.bytes - offset),
      );
      if (!res.write(chunk)) await writable(res);
    }
    res.end();
  } catch (err) {
    if (!res.headersSent) {
      for (const h of ['Content-Type', 'Content-Length', 'Content-Disposition', 'ETag', 'Cache-Control'])
        res.removeHeader(h);
      throw err;
    }
    res.destroy();
  }
}
