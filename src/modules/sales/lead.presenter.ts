import type { LeadDto } from './dto/lead.dto.js';
import type { LeadRow } from './leads.repository.js';

/** The lead as the API shows it, without the reminder bookkeeping. */
export function toLeadDto(row: LeadRow): LeadDto {
  const { remindedAt: _reminded, escalatedAt: _escalated, cursorAt: _cursor, ...dto } = row;
  return dto;
}
