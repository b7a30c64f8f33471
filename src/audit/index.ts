export { AuditEvent } from './audit-event.entity';
export { type AuditActor, type AuditEntry, auditKinds, auditSummary, type AuditSummaryGroup, listAudit, type QueryRows, recordAudit } from './audit.service';
