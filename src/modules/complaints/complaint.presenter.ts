import type { ComplaintDto } from './dto/complaint.dto.js';
import type { ComplaintRow } from './complaints.repository.js';

/** The complaint as the API shows it, in COMPLAINT_SELECT's order, without the clock bookkeeping. */
export function toComplaintDto(row: ComplaintRow): ComplaintDto {
  const {
    cursorAt: _cursor,
    pausedAt: _paused,
    pausedMinutes: _pausedMinutes,
    slaStartedAt: _started,
    createdByType: _byType,
    createdById: _byId,
    ...dto
  } = row;
  return dto;
}
