export { AuditEvent } from './audit-event.entity';
export {
  type AuditActor,
  type AuditChainHead,
  auditChainHead,
  type AuditChainVerdict,
  type AuditEntry,
  actorLabel,
  auditKinds,
  auditSummary,
  type AuditSummaryGroup,
  ERASABLE_DETAIL_KEYS,
  deleteAuditDetails,
  listAudit,
  type QueryRows,
  recordAudit,
  verifyAuditChain,
} from './audit.service';
