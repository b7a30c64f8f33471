import type { Feature } from '../../platform/feature';
import { requireOrganiser } from '../../core/access';
import { AppError } from '../../platform/web/errors';
import { PaperImport } from './paper-import.entity';
import { PAPER_UPLOAD_BODY_LIMIT_BYTES, paperUploadParser } from './paper-upload';
import { paperRouter } from './paper.router';

export { PaperImport } from './paper-import.entity';
export { PAPER_UPLOAD_BODY_LIMIT_BYTES, paperUploadParser } from './paper-upload';
export { paperRouter } from './paper.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'paper',
  entities: [PaperImport],
  views: ['paper'],
  messages: ['paper'],
  routes: (ctx) => ({
    // The paper-signature upload: for signed-in organisers only.
    uploads: [
      {
        path: '/organise/letters/:slug/paper',
        maxBodyBytes: PAPER_UPLOAD_BODY_LIMIT_BYTES,
        tooLarge: () => new AppError(413, 'too_large', 'errors.tooLarge'),
        checks: [requireOrganiser],
        parser: paperUploadParser(),
      },
    ],
    pages: [paperRouter(ctx)],
  }),
};
