export { AuditEvent } from './audit-event.entity';
export { type AuditActor, type AuditEntry, listAudit, recordAudit } from './audit.service';
