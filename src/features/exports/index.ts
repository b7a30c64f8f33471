import type { Feature } from '../../platform/feature';
import { ExportAudit } from './export-audit.entity';
import { exportsRouter } from './exports.router';
import {
  UploadTooLarge,
  VERIFY_UPLOAD_BODY_LIMIT_BYTES,
  verifyUploadBudget,
  verifyUploadParser,
} from './verify-upload';
import { verifyRouter } from './verify.router';

export { ExportAudit } from './export-audit.entity';
export { exportFormSchema, exportRequest } from './export-form.schema';
export { type ExportResult, exportSignatures, PDF_MAX_ROWS, PdfTooLarge } from './export.service';
export { sendExport } from './export-download';
export { exportsRouter } from './exports.router';
export {
  UploadTooLarge,
  VERIFY_UPLOAD_BODY_LIMIT_BYTES,
  verifyUploadBudget,
  verifyUploadParser,
} from './verify-upload';
export { verifyRouter } from './verify.router';

/** The feature, as the app composes it (src/app/features.ts). */
export const feature: Feature = {
  name: 'exports',
  entities: [ExportAudit],
  views: ['exports', 'verify'],
  messages: ['exports'],
  routes: (ctx) => ({
    // /verify takes the official's file as multipart and hashes it as it arrives (nothing is kept).
    uploads: [
      {
        path: '/verify',
        maxBodyBytes: VERIFY_UPLOAD_BODY_LIMIT_BYTES,
        tooLarge: () => new UploadTooLarge(),
        checks: [verifyUploadBudget(ctx)],
        parser: verifyUploadParser(ctx),
      },
    ],
    pages: [exportsRouter(ctx), verifyRouter(ctx)],
  }),
};
