import type { ImprovementActionDto } from './dto/improvement-action.dto.js';
import type { ImprovementActionRow } from './improvement-actions.repository.js';

/** The action as the API shows it (and as its events carry it). */
export function toImprovementActionDto(row: ImprovementActionRow): ImprovementActionDto {
  const { cursorAt: _cursor, ...dto } = row;
  return dto;
}
