import type { RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../../platform/web/errors';
import { HEADER_IMAGE_LIMIT_BYTES } from './header-image-encoding';

/** The largest multipart body the form can send: the image at its limit, and the alt texts. */
export const HEADER_IMAGE_BODY_LIMIT_BYTES = HEADER_IMAGE_LIMIT_BYTES + 64 * 1024;

export class HeaderImageTooLarge extends AppError {
  constructor() {
    super(413, 'image_too_large', 'headerImages.errors.tooLarge', { mb: HEADER_IMAGE_LIMIT_BYTES / 1024 / 1024 });
  }
}

/**
 * Parses the header image form (multipart: the image and one alt text per language). It runs only
 * once the CSRF token (in the form's action URL), the session and the owner's role were checked on
 * the headers alone (refuseUploadBeforeReading in app.ts), and a body declared larger than
 * HEADER_IMAGE_BODY_LIMIT_BYTES was refused unread. The file is held in memory, up to its limit,
 * because the decoder needs all of it at once whatever we do; the limit keeps that to 5 MB.
 */
export function headerImageUploadParser(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: HEADER_IMAGE_LIMIT_BYTES, fieldSize: 4 * 1024, files: 1, fields: 10, parts: 11 },
  }).single('image');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') {
          res.set('Connection', 'close');
          return next(new HeaderImageTooLarge());
        }
        return next(new AppError(400, 'bad_request', 'errors.badRequest'));
      }
      // busboy's: a malformed body ("Malformed part header", "Unexpected end of form").
      next(err instanceof AppError ? err : new AppError(400, 'bad_request', 'errors.badRequest'));
    });
  };
}
