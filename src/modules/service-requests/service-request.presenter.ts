import type { ServiceRequestDto } from './dto/service-request.dto.js';
import type { ServiceRequestRow } from './service-requests.repository.js';

/** The request as the API shows it, in REQUEST_SELECT's order, without the clock bookkeeping. */
export function toServiceRequestDto(row: ServiceRequestRow): ServiceRequestDto {
  const { cursorAt: _cursor, pausedAt: _paused, pausedMinutes: _pausedMinutes, slaStartedAt: _started, ...dto } = row;
  return dto;
}
