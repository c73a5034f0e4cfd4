import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateCustomerDto } from '../../modules/customers/dto/customer.dto.js';
import { flattenValidationErrors } from '../errors/validation.js';
import { compileValidator } from './compiled-validator.js';

const slow = (plain: Record<string, unknown>) =>
  flattenValidationErrors(
    validateSync(plainToInstance(CreateCustomerDto, plain), { whitelist: true, forbidNonWhitelisted: true }),
  );

const CASES: [string, Record<string, unknown>][] = [
  ['a minimal valid customer', { kind: 'individual', name: '张伟' }],
  [
    'a full valid customer',
    {
      kind: 'organization',
      name: '永康五金',
      gender: 'male',
      birthDate: '1985-03-02',
      education: '大专',
      phone: '+8657912345678',
      mobile: '+8613800138000',
      email: 'a@example.cn',
      website: 'example.cn',
      postcode: '321300',
      smoker: false,
      level: '高',
      registeredOn: '2024-01-05',
      customFields: { wechat: 'x' },
      lifeJourney: { notes: 'ok' },
    },
  ],
  ['no name', { kind: 'individual' }],
  ['a blank name', { kind: 'individual', name: '   ' }],
  ['a bad kind and gender', { kind: 'robot', name: 'x', gender: '火星人' }],
  ['a future birth date', { kind: 'individual', name: 'x', birthDate: '2999-01-01' }],
  ['a bad e-mail and education', { kind: 'individual', name: 'x', email: 'not-an-email', education: '博士' }],
  ['a name too long', { kind: 'individual', name: '长'.repeat(201) }],
  ['an unknown field', { kind: 'individual', name: 'x', passwordHash: 'y' }],
  ['a nested value that is wrong', { kind: 'individual', name: 'x', lifeJourney: { notes: 5 } }],
  ['a boolean that is text', { kind: 'individual', name: 'x', smoker: '是' }],
  ['a null optional field', { kind: 'individual', name: 'x', gender: null }],
  ['a bad postcode', { kind: 'individual', name: 'x', postcode: '!!' }],
];

describe('compileValidator', () => {
  const validate = compileValidator(CreateCustomerDto);

  it.each(CASES)('reports what class-validator reports for %s', (_name, plain) => {
    expect(validate(plain)).toStrictEqual(slow(plain));
  });

  it('passes valid rows without class-validator and refuses invalid ones', () => {
    expect(validate(CASES[0][1])).toStrictEqual([]);
    expect(validate(CASES[1][1])).toStrictEqual([]);
    expect(validate({ kind: 'individual' }).map((error) => error.field)).toContain('name');
  });
});
