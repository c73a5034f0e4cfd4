import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationFailed } from './domain-errors.js';

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** Paths of strings holding a NUL character, which Postgres cannot store in text or jsonb. */
export function fieldsWithNul(value: unknown, path = '', depth = 0): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || 'value'] : [];
  if (depth > 20 || value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(key.includes('\u0000') ? [path ? `${path}.${key}` : key] : []),
    ...fieldsWithNul(child, path ? `${path}.${key}` : key, depth + 1),
  ]);
}

/**
 * Whitelists, refuses unknown fields, converts types, and reports every problem with its field.
 * Text with NUL characters is refused first, whatever the DTO says.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const nul = fieldsWithNul(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (nul.length) throw new ValidationFailed(nul.map((field) => ({ field, message: `${field} must not contain NUL characters` })));
    }
    return super.transform(value, metadata);
  }
}
