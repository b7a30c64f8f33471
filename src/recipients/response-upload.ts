import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../web/errors';

/** The largest PDF an addressee may attach to their response. */
export const ATTACHMENT_LIMIT_BYTES = 10 * 1024 * 1024;
/** The largest multipart body the response form can send: the file, the text at its limit, and small fields. */
export const RESPONSE_UPLOAD_BODY_LIMIT_BYTES = ATTACHMENT_LIMIT_BYTES + 256 * 1024;

export class AttachmentTooLarge extends AppError {
  constructor() {
    super(413, 'attachment_too_large', 'recipients.errors.attachmentTooLarge', { mb: ATTACHMENT_LIMIT_BYTES / 1024 / 1024 });
  }
}

/** A PDF starts with "%PDF-" (ISO 32000); whatever the name or the browser's type says. */
export function isPdf(data: Buffer): boolean {
  return data.length >= 5 && data.subarray(0, 5).toString('latin1') === '%PDF-';
}

/** The name a downloaded attachment is listed under: no path, no control characters, at most 200 characters. */
export function attachmentName(original: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').normalize('NFC').trim().slice(0, 200);
  return clean || 'response.pdf';
}

/**
 * Parses the response form (multipart: the text and an optional PDF). It runs only after the CSRF
 * token in the form's action URL was checked on the headers alone (refuseUploadBeforeReading in
 * app.ts), and holds at most one file of ATTACHMENT_LIMIT_BYTES in memory.
 */
export function responseUploadParser(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    // Browsers send the file's name in UTF-8 without saying so: an official's "réponse.pdf" stays itself.
    defParamCharset: 'utf8',
    limits: { fileSize: ATTACHMENT_LIMIT_BYTES, fieldSize: 200 * 1024, files: 1, fields: 5, parts: 6 },
  }).single('attachment');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        return next(err.code === 'LIMIT_FILE_SIZE' ? new AttachmentTooLarge() : new AppError(400, 'bad_request', 'errors.badRequest'));
      }
      next(err);
    });
  };
}
