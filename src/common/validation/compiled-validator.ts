import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  validateSync,
  type ValidationArguments,
  ValidationTypes,
  type ValidatorConstraintInterface,
} from 'class-validator';
import type { FieldError } from '../errors/domain-errors.js';
import { flattenValidationErrors } from '../errors/validation.js';

type Check = (value: unknown, object: Record<string, unknown>) => boolean;

interface PropertyChecks {
  /** `@IsOptional()` and `@ValidateIf()`: when one says no, the property is not checked at all. */
  conditions: ((object: Record<string, unknown>, value: unknown) => boolean)[];
  checks: Check[];
  /** A nested or asynchronous rule the fast path does not run: a present value goes to class-validator. */
  needsFullValidation: boolean;
}

/**
 * A validator for one DTO class built once from its class-validator decorators, for hot loops (a
 * CSV import validates a million rows as the API validates one request). Each row is first checked
 * by calling the decorators' own constraint functions directly — no instance, no metadata look-ups,
 * no error objects — and only a row that fails (or carries a nested value, or a field the DTO does
 * not know) goes through `plainToInstance` + `validateSync`, so the reasons reported are exactly the
 * API's. Options as the API's pipe: whitelist, unknown fields refused.
 */
export function compileValidator(cls: new () => object): (plain: Record<string, unknown>) => FieldError[] {
  const storage = getMetadataStorage();
  const byProperty = new Map<string, PropertyChecks>();
  for (const metadata of storage.getTargetValidationMetadatas(cls, '', true, false)) {
    let entry = byProperty.get(metadata.propertyName);
    if (!entry)
      byProperty.set(metadata.propertyName, (entry = { conditions: [], checks: [], needsFullValidation: false }));
    switch (metadata.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        entry.conditions.push(metadata.constraints[0] as (object: Record<string, unknown>, value: unknown) => boolean);
        break;
      case ValidationTypes.IS_DEFINED:
        entry.checks.push((value) => value !== undefined && value !== null);
        break;
      case ValidationTypes.CUSTOM_VALIDATION:
        if (metadata.each || metadata.validateIf) {
          entry.needsFullValidation = true;
          break;
        }
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          if (constraint.async) {
            entry.needsFullValidation = true;
            continue;
          }
          const instance: ValidatorConstraintInterface = constraint.instance;
          const constraints = metadata.constraints;
          const property = metadata.propertyName;
          entry.checks.push((value, object) => {
            const args: ValidationArguments = { targetName: cls.name, property, object, value, constraints };
            return instance.validate(value, args) === true;
          });
        }
        break;
      case ValidationTypes.WHITELIST:
        break;
      default: // nested and promise validation
        entry.needsFullValidation = true;
    }
  }
  const properties = [...byProperty.entries()];

  const full = (plain: Record<string, unknown>) =>
    flattenValidationErrors(validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true }));

  return (plain) => {
    for (const key of Object.keys(plain)) if (!byProperty.has(key)) return full(plain);
    for (const [property, entry] of properties) {
      const value = plain[property];
      if (entry.conditions.some((condition) => !condition(plain, value))) continue;
      if (entry.needsFullValidation) return full(plain);
      for (const check of entry.checks) if (!check(value, plain)) return full(plain);
    }
    return [];
  };
}
