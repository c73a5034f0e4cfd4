import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { filesUnder } from './support/source-files.js';

/**
 * `@ValidateNested()` passes a property that is missing, so a required nested object needs a check of its
 * own (`@IsObject()`, `@IsArray()` …) or the use case meets `undefined` and answers 500. The fuzz suite
 * found two such endpoints one at a time; this reads every DTO's validation metadata instead.
 */
const CHECKS_THAT_REFUSE_UNDEFINED = new Set(['isObject', 'isArray', 'arrayMinSize', 'arrayMaxSize', 'isDefined']);

describe('DTOs with nested objects', () => {
  it('refuse a missing required nested object rather than pass undefined on', async () => {
    const storage = getMetadataStorage();
    const unguarded: string[] = [];
    let nestedProperties = 0;
    for (const file of filesUnder(join(process.cwd(), 'src'), (path) => path.endsWith('.dto.ts'))) {
      const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value !== 'function') continue;
        const byProperty = new Map<string, { type: string; name?: string }[]>();
        for (const metadata of storage.getTargetValidationMetadatas(value, '', true, false)) {
          byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
        }
        for (const [property, checks] of byProperty) {
          if (!checks.some(({ type }) => type === ValidationTypes.NESTED_VALIDATION)) continue;
          nestedProperties += 1;
          const optional = checks.some(({ type }) => type === ValidationTypes.CONDITIONAL_VALIDATION);
          const refusesUndefined = checks.some(
            (check) => check.type === ValidationTypes.IS_DEFINED || CHECKS_THAT_REFUSE_UNDEFINED.has(check.name ?? ''),
          );
          if (!optional && !refusesUndefined) unguarded.push(`${relative(process.cwd(), file)} ${name}.${property}`);
        }
      }
    }
    expect(nestedProperties).toBeGreaterThan(10);
    expect(unguarded).toStrictEqual([]);
  });
});
