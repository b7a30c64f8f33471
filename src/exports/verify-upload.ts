import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../web/errors';

/** A 1,000,000-signature CSV is ~80 MB; XLSX and PDF packs are smaller per row. */
export const VERIFY_UPLOAD_LIMIT_BYTES = 200 * 1024 * 1024;

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
    file.stream.once('end', () => callback(null, { size: bytes, sha256: hash.digest('hex') } as Partial<Express.Multer.File>));
  },
  _removeFile(_req, _file, callback) {
    callback(null);
  },
};

export class UploadTooLarge extends AppError {
  constructor() {
    super(413, 'too_large', 'exports.verify.errors.tooLarge', { maxMegabytes: VERIFY_UPLOAD_LIMIT_BYTES / 1024 / 1024 });
  }
}

/**
 * Parses the /verify form when it is multipart (file upload). Runs before the CSRF check, which
 * reads `_csrf` from the parsed fields; hashing an anonymous upload before that check costs CPU
 * only, never memory or disk.
 */
export function verifyUploadParser(): RequestHandler {
  const upload = multer({
    storage: hashingStorage,
    limits: { fileSize: VERIFY_UPLOAD_LIMIT_BYTES, fieldSize: 4096, files: 1, fields: 5, parts: 6 },
  }).single('file');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        const tooBig = err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE';
        // The rest of a too-large body is not read; close the connection after answering.
        if (tooBig) res.set('Connection', 'close');
        return next(tooBig ? new UploadTooLarge() : new AppError(400, 'bad_request', 'errors.badRequest'));
      }
      next(err);
    });
  };
}

/** The hashed upload of this request, if a non-empty file came. */
export function hashedUpload(req: Request): HashedUpload | null {
  const file: (Express.Multer.File & { sha256?: string }) | undefined = req.file;
  if (!file?.sha256 || !file.originalname) return null;
  return { originalName: file.originalname, sha256: file.sha256, bytes: file.size };
}
