import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../web/errors';

export const PAPER_UPLOAD_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * Parses the paper-signature upload form (multipart: the CSV file or pasted text, and the CSRF
 * field). It runs before the CSRF check, which reads `_csrf` from the parsed body; the limits
 * keep what an anonymous request can make us hold in memory to one small sheet.
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
        return next(tooBig ? new AppError(413, 'too_large', 'errors.tooLarge') : new AppError(400, 'bad_request', 'errors.badRequest'));
      }
      next(err);
    });
  };
}
