import { describe, expect, it } from '@jest/globals';
import { validateCustomFieldValues } from './custom-field-values.js';
import type { CustomFieldDto } from './dto/custom-field.dto.js';

const field = (overrides: Partial<CustomFieldDto>): CustomFieldDto => ({
  id: 'f',
  key: 'k',
  label: 'K',
  type: 'text',
  options: [],
  required: false,
  maxLength: null,
  active: true,
  version: 1,
  ...overrides,
});

describe('validateCustomFieldValues', () => {
  const definitions = [
    field({ key: 'vipCardNo', type: 'text', maxLength: 8, required: true }),
    field({ key: 'employees', type: 'number' }),
    field({ key: 'hasFactory', type: 'boolean' }),
    field({ key: 'contractEnds', type: 'date' }),
    field({ key: 'source', type: 'enum', options: ['展会', '官网'] }),
    field({ key: 'retired', type: 'text', active: false }),
  ];

  it('accepts values of the right types', () => {
    const values = { vipCardNo: 'V-01', employees: 120, hasFactory: true, contractEnds: '2027-01-31', source: '展会' };
    expect(validateCustomFieldValues(values, definitions, true)).toStrictEqual([]);
  });

  const wrong: [string, Record<string, unknown>, string][] = [
    ['an unknown key', { vipCardNo: 'V', nickname: 'x' }, 'customFields.nickname'],
    ['an inactive field', { vipCardNo: 'V', retired: 'x' }, 'customFields.retired'],
    ['a number given as text', { vipCardNo: 'V', employees: '120' }, 'customFields.employees'],
    ['a text that is too long', { vipCardNo: '123456789' }, 'customFields.vipCardNo'],
    ['an impossible date', { vipCardNo: 'V', contractEnds: '2027-02-30' }, 'customFields.contractEnds'],
    ['a value outside the enum', { vipCardNo: 'V', source: '电话' }, 'customFields.source'],
    ['a missing required field on create', {}, 'customFields.vipCardNo'],
    ['clearing a required field', { vipCardNo: null }, 'customFields.vipCardNo'],
  ];
  for (const [what, values, field] of wrong) {
    it(`refuses ${what}`, () => {
      const errors = validateCustomFieldValues(values, definitions, true);
      expect(errors.some((error) => error.field === field)).toBe(true);
    });
  }

  it('does not require absent fields on update', () => {
    expect(validateCustomFieldValues({ employees: 3 }, definitions, false)).toStrictEqual([]);
  });
});
