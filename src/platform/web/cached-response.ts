import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Request, Response } from 'express';

/**
 * A response body prepared once and sent many times: the bytes, gzipped once (the first time a
 * reader accepts it), each with a strong ETag of its own (a strong validator names exact bytes,
 * so the gzipped bytes get a different one). Made for micro-cached public pages and JSON:
 * thousands of readers a second get the same bytes, and a reader who already has them gets a 304
 * with no body.
 */
export interface PreparedBody {
  contentType: string;
  identity: { bytes: Buffer; etag: string };
  readonly gzip: { bytes: Buffer; etag: string } | null;
}

/** Below this many bytes gzip saves less than its header costs (compression's own threshold). */
const GZIP_THRESHOLD = 1024;

function etagOf(bytes: Buffer): string {
  return `"${crypto.createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

export function prepareBody(text: string, contentType: string): PreparedBody {
  const bytes = Buffer.from(text, 'utf8');
  // Gzipped the first time a reader asks for it: a body that only readers without gzip take, or
  // one reader once (a search's page), is not compressed for nobody.
  let gzip: PreparedBody['gzip'] | undefined;
  return {
    contentType,
    identity: { bytes, etag: etagOf(bytes) },
    get gzip() {
      if (gzip === undefined) {
        const gz = bytes.length >= GZIP_THRESHOLD ? zlib.gzipSync(bytes) : null;
        gzip = gz ? { bytes: gz, etag: etagOf(gz) } : null;
      }
      return gzip;
    },
  };
}

export function prepareJson(value: unknown): PreparedBody {
  return prepareBody(JSON.stringify(value), 'application/json; charset=utf-8');
}

/**
 * Sends a prepared body: gzipped when the reader accepts it, and 304 Not Modified when the
 * reader's If-None-Match names the bytes it would get. The caller sets Cache-Control.
 */
export function sendPrepared(req: Request, res: Response, body: PreparedBody): void {
  const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip' ? body.gzip : null;
  const chosen = gzip ?? body.identity;
  res.vary('Accept-Encoding');
  res.set('ETag', chosen.etag);
  res.type(body.contentType);
  // req.fresh compares If-None-Match (and If-Modified-Since) with the headers just set.
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  // A set Content-Encoding makes the compression middleware leave the bytes alone.
  if (gzip) res.set('Content-Encoding', 'gzip');
  res.set('Content-Length', String(chosen.bytes.length));
  res.end(chosen.bytes);
}
