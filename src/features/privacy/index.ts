export {
  applyRetention,
  eraseAuditDetails,
  eraseOldAuditDetails,
  eraseSigner,
  PAPER_PREVIEW_HOURS,
  type RetentionReport,
} from './retention.service';
export { privacyJobs } from './tasks';
