import type { FieldError } from '../../common/errors/domain-errors.js';
import { isCalendarDate } from '../../common/validation/validators.js';
import type { CustomFieldDto } from './dto/custom-field.dto.js';

/**
 * Checks custom field values against the active definitions. Unknown keys are refused; null clears a
 * value. With `requireAll`, a required field must be present (used on create).
 */
export function validateCustomFieldValues(
  values: Record<string, unknown>,
  definitions: CustomFieldDto[],
  requireAll: boolean,
): FieldError[] {
  const byKey = new Map(
    definitions.filter((definition) => definition.active).map((definition) => [definition.key, definition]),
  );
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(values)) {
    const definition = byKey.get(key);
    const field = `customFields.${key}`;
    if (!definition) {
      errors.push({ field, message: `${key} is not a defined custom field` });
      continue;
    }
    if (value === null) {
      if (definition.required) errors.push({ field, message: `${key} is required and cannot be cleared` });
      continue;
    }
    const problem = checkType(value, definition);
    if (problem) errors.push({ field, message: `${key} ${problem}` });
  }
  if (requireAll) {
    for (const definition of byKey.values()) {
      if (definition.required && (values[definition.key] === undefined || values[definition.key] === null)) {
        errors.push({ field: `customFields.${definition.key}`, message: `${definition.key} is required` });
      }
    }
  }
  return errors;
}

function checkType(value: unknown, definition: CustomFieldDto): string | null {
  switch (definition.type) {
    case 'text':
      if (typeof value !== 'string') return 'must be a string';
      if (definition.maxLength && value.length > definition.maxLength)
        return `must be at most ${definition.maxLength} characters`;
      return null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return isCalendarDate(value) ? null : 'must be a YYYY-MM-DD date';
    case 'enum':
      return typeof value === 'string' && definition.options.includes(value)
        ? null
        : `must be one of: ${definition.options.join(', ')}`;
  }
}
