import { isoTime } from '../../common/http/iso-time.js';
import type { AuditEntryRow } from './audit-log.repository.js';
import type { AuditEntryDto } from './dto/admin.dto.js';

export function toAuditEntryDto(row: AuditEntryRow): AuditEntryDto {
  return {
    id: row.id,
    occurredAt: isoTime(row.occurredAt),
    actorType: row.actorType,
    actorId: row.actorId,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    before: row.before,
    after: row.after,
    fields: row.fields,
    requestId: row.requestId,
  };
}
