export { PaperImport } from './paper-import.entity';
export { PAPER_UPLOAD_BODY_LIMIT_BYTES, paperUploadParser } from './paper-upload';
export { paperRouter } from './paper.router';
