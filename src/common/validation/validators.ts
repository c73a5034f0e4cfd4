import { registerDecorator, ValidationOptions } from 'class-validator';

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
