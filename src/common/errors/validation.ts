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

// In a `u` regular expression a surrogate pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Paths of strings that are not well-formed UTF-16 (a lone surrogate, e.g. JSON's "\ud800"): they have
 * no UTF-8 form for Postgres, and validators that percent-encode them (`@IsEmail`) throw.
 */
export function fieldsWithLoneSurrogates(value: unknown, path = '', depth = 0): string[] {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? [path || 'value'] : [];
  if (depth > 20 || value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(LONE_SURROGATE.test(key) ? [path ? `${path}.${key}` : key] : []),
    ...fieldsWithLoneSurrogates(child, path ? `${path}.${key}` : key, depth + 1),
  ]);
}

/**
 * Whitelists, refuses unknown fields, converts types, and reports every problem with its field.
 * Text with NUL characters or lone surrogates is refused first, whatever the DTO says.
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
      if (nul.length)
        throw new ValidationFailed(
          nul.map((field) => ({ field, message: `${field} must not contain NUL characters` })),
        );
      const surrogates = fieldsWithLoneSurrogates(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (surrogates.length)
        throw new ValidationFailed(
          surrogates.map((field) => ({
            field,
            message: `${field} must be well-formed Unicode (it holds a lone surrogate)`,
          })),
        );
    }
    return super.transform(value, metadata);
  }
}
