import { registerDecorator, type ValidationOptions } from 'class-validator';
import { ValidationFailed } from '../errors/domain-errors.js';

/** A YYYY-MM-DD calendar date that really exists and is not in the future. */
export function IsPastDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPastDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a YYYY-MM-DD date that is not in the future`, ...options },
      validator: {
        validate: (value: unknown) => isCalendarDate(value) && value <= new Date().toISOString().slice(0, 10),
      },
    });
}

/** A YYYY-MM-DD calendar date that really exists. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a YYYY-MM-DD date`, ...options },
      validator: { validate: isCalendarDate },
    });
}

export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value && value >= '1850-01-01';
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,6})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** An RFC 3339 timestamp with a time zone (2026-11-24T08:00:00.000Z), a real date and time. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimestamp',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-24T08:00:00.000Z`,
        ...options,
      },
      validator: { validate: isTimestamp },
    });
}

export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339.exec(value);
  if (!match || !isCalendarDate(`${match[1]}-${match[2]}-${match[3]}`)) return false;
  const [hours, minutes, seconds] = [match[4], match[5], match[7] ?? '0'].map(Number);
  const offsetOk = match[9] === 'Z' || (Number(match[10]) <= 14 && Number(match[11]) < 60);
  return hours < 24 && minutes < 60 && seconds < 60 && offsetOk && !Number.isNaN(Date.parse(value));
}

/**
 * A finite number with at most `places` decimals. Use it instead of class-validator's
 * `@IsNumber({ maxDecimalPlaces })`, which throws (a 500) on a number JSON wrote in exponent notation (1e-7).
 */
export function IsNumberWithDecimals(places: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNumberWithDecimals',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} must be a number with at most ${places} decimal places`,
        ...options,
      },
      validator: { validate: (value: unknown) => hasAtMostDecimalPlaces(value, places) },
    });
}

export function hasAtMostDecimalPlaces(value: unknown, places: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value;
}

/**
 * PATCH bodies may send null to clear a field, but not for fields that must always have a value:
 * @IsOptional() lets null through, so those are refused here.
 */
export function rejectNulls(dto: object, fields: readonly string[]): void {
  const cleared = fields.filter((field) => (dto as Record<string, unknown>)[field] === null);
  if (cleared.length)
    throw new ValidationFailed(cleared.map((field) => ({ field, message: `${field} cannot be null` })));
}
