import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../../platform/web/errors';

export const PAPER_UPLOAD_LIMIT_BYTES = 2 * 1024 * 1024;
/** The largest multipart body the form can send: a file and a pasted text at their limits, and small fields. */
export const PAPER_UPLOAD_BODY_LIMIT_BYTES = 2 * PAPER_UPLOAD_LIMIT_BYTES + 64 * 1024;

/**
 * Parses the paper-signature upload form (multipart: the CSV file or pasted text). It runs only
 * once the CSRF token (in the form's action URL) and the session were checked on the headers
 * alone (see refuseUploadBeforeReading in app.ts); the limits keep what a request can make us
 * hold in memory to one small sheet.
 */
export function paperUploadParser(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: PAPER_UPLOAD_LIMIT_BYTES, fieldSize: PAPER_UPLOAD_LIMIT_BYTES, files: 1, fields: 5, parts: 6 },
  }).single('file');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        const tooBig = err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE';
        return next(
          tooBig
            ? new AppError(413, 'too_large', 'errors.tooLarge')
            : new AppError(400, 'bad_request', 'errors.badRequest'),
        );
      }
      next(err);
    });
  };
}
