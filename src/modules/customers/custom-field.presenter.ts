import type { CustomFieldRow } from './custom-fields.repository.js';
import type { CustomFieldDto } from './dto/custom-field.dto.js';

export function toCustomFieldDto(row: CustomFieldRow): CustomFieldDto {
  return {
    id: row.id,
    key: row.key,
    label: row.label,
    type: row.type,
    options: row.options,
    required: row.required,
    maxLength: row.maxLength,
    active: row.active,
    version: row.version,
  };
}
