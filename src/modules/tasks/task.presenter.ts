import { isoTime } from '../../common/http/iso-time.js';
import type { TaskDto } from './dto/task.dto.js';
import type { TaskRow } from './tasks.repository.js';

export function toTaskDto(row: TaskRow): TaskDto {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    detail: row.detail,
    assigneeId: row.assigneeId,
    assigneeRole: row.assigneeRole,
    customerId: row.customerId,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    dueAt: isoTime(row.dueAt),
    status: row.status,
    completedAt: isoTime(row.completedAt),
    createdAt: isoTime(row.createdAt),
  };
}
