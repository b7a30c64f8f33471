import type { Config } from '../../platform/config';
import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { limitKeyForIp } from '../../platform/web/network';
import type { AppContext } from '../../platform/context';
import { AppError, RateLimited } from '../../platform/web/errors';
import type { LimitRule } from '../../platform/web/rate-limits';

/** The hourly per-network budget of /verify uploads, in KiB. */
function verifyUploadRule(config: Config): LimitRule {
  return {
    name: 'verify-kib',
    prefix: 'verify-kib',
    points: config.VERIFY_UPLOAD_MB_PER_NETWORK_PER_HOUR * 1024,
    seconds: 3600,
  };
}

/** A 1,000,000-signature CSV is ~80 MB; XLSX and PDF packs are smaller per row. */
export const VERIFY_UPLOAD_LIMIT_BYTES = 200 * 1024 * 1024;
/** The largest multipart body that can hold such a file: the file, its headers and five small fields. */
export const VERIFY_UPLOAD_BODY_LIMIT_BYTES = VERIFY_UPLOAD_LIMIT_BYTES + 64 * 1024;

/** What the upload leaves on `req.file` in place of the bytes: their digest and count. */
export interface HashedUpload {
  originalName: string;
  sha256: string;
  bytes: number;
}

/**
 * A multer storage engine that keeps nothing: each chunk goes into SHA-256 and is dropped, so
 * verifying a 200 MB file costs the same memory as verifying a 2 KB one.
 */
const hashingStorage: multer.StorageEngine = {
  _handleFile(_req, file, callback) {
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    file.stream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    file.stream.once('error', (err: Error) => callback(err));
    file.stream.once('end', () =>
      callback(null, { size: bytes, sha256: hash.digest('hex') } as Partial<Express.Multer.File>),
    );
  },
  _removeFile(_req, _file, callback) {
    callback(null);
  },
};

export class UploadTooLarge extends AppError {
  constructor() {
    super(413, 'too_large', 'exports.verify.errors.tooLarge', {
      maxMegabytes: VERIFY_UPLOAD_LIMIT_BYTES / 1024 / 1024,
    });
  }
}

export class UploadBudgetSpent extends RateLimited {
  constructor(retryAfterSeconds: number, megabytes: number) {
    super(retryAfterSeconds, 'exports.verify.errors.budget', { megabytes });
  }
}

/** Whether the request says how long its body is (browsers and curl do). */
function declaredLength(req: Request): number | null {
  const n = Number(req.get('content-length'));
  return req.get('content-length') !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * The per-network byte budget of /verify, checked before the body is read (see
 * refuseUploadBeforeReading): a body that declares its length is charged that length up front
 * and refused (429) if it does not fit; one that does not is let in while the budget is not
 * spent, and charged what it turned out to be once read (verifyUploadParser).
 */
export function verifyUploadBudget(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    const result = await ctx.limits.chargeBytes(
      verifyUploadRule(ctx.config),
      limitKeyForIp(ctx.config.SESSION_SECRET, req.ip ?? ''),
      declaredLength(req) ?? 0,
    );
    if (!result.ok)
      throw new UploadBudgetSpent(result.retryAfterSeconds, ctx.config.VERIFY_UPLOAD_MB_PER_NETWORK_PER_HOUR);
    next();
  };
}

/**
 * Parses the /verify form when it is multipart (file upload), after the CSRF token and the
 * byte budget were checked on the headers alone. Hashing costs CPU only, never memory or disk.
 */
export function verifyUploadParser(ctx: AppContext): RequestHandler {
  const upload = multer({
    storage: hashingStorage,
    limits: { fileSize: VERIFY_UPLOAD_LIMIT_BYTES, fieldSize: 4096, files: 1, fields: 5, parts: 6 },
  }).single('file');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err: unknown) => {
      let outcome: unknown = err;
      if (err instanceof multer.MulterError) {
        const tooBig = err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE';
        // The rest of a too-large body is not read; close the connection after answering.
        if (tooBig) res.set('Connection', 'close');
        outcome = tooBig ? new UploadTooLarge() : new AppError(400, 'bad_request', 'errors.badRequest');
      }
      // A body of undeclared length (chunked) is charged once read: what it held, or the cap it hit.
      const read =
        declaredLength(req) !== null
          ? 0
          : outcome instanceof UploadTooLarge
            ? VERIFY_UPLOAD_LIMIT_BYTES
            : (hashedUpload(req)?.bytes ?? 0);
      if (!read) return next(outcome);
      ctx.limits
        .chargeBytes(verifyUploadRule(ctx.config), limitKeyForIp(ctx.config.SESSION_SECRET, req.ip ?? ''), read, {
          afterRead: true,
        })
        .then(() => next(outcome), next);
    });
  };
}

/** The hashed upload of this request, if a non-empty file came. */
export function hashedUpload(req: Request): HashedUpload | null {
  const file: (Express.Multer.File & { sha256?: string }) | undefined = req.file;
  if (!file?.sha256 || !file.originalname) return null;
  return { originalName: file.originalname, sha256: file.sha256, bytes: file.size };
}
