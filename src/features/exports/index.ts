export { ExportAudit } from './export-audit.entity';
export { exportFormSchema, exportRequest } from './export-form.schema';
export { type ExportResult, exportSignatures, PDF_MAX_ROWS, PdfTooLarge } from './export.service';
export { exportsRouter } from './exports.router';
export {
  UploadTooLarge,
  VERIFY_UPLOAD_BODY_LIMIT_BYTES,
  verifyUploadBudget,
  verifyUploadParser,
} from './verify-upload';
export { verifyRouter } from './verify.router';
