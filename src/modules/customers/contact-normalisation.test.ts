import { describe, expect, it } from '@jest/globals';
import { classifySearch, normalisePhone } from './contact-normalisation.js';

describe('normalisePhone', () => {
  const cases: [string, string | null][] = [
    ['13812345678', '+8613812345678'],
    ['138 1234 5678', '+8613812345678'],
    ['+86 138-1234-5678', '+8613812345678'],
    ['010-62345678', '+861062345678'],
    ['12345', null],
    ['call me', null],
  ];
  for (const [input, expected] of cases)
    it(`${input} → ${expected}`, () => expect(normalisePhone(input, 'CN')).toBe(expected));
});

describe('classifySearch', () => {
  it('reads digits as a phone prefix', () => expect(classifySearch('1395555', 'CN').phonePrefix).toBe('+861395555'));
  it('reads a full number as that number', () =>
    expect(classifySearch('139 5555 4444', 'CN').phonePrefix).toBe('+8613955554444'));
  it('reads an @ as an e-mail', () => expect(classifySearch('Wei@X.cn', 'CN').email).toBe('wei@x.cn'));
  it('reads C and digits as a customer number', () => expect(classifySearch('c100023', 'CN').code).toBe('C100023'));
  it('reads Chinese as text only', () =>
    expect(classifySearch(' 张伟 ', 'CN')).toStrictEqual({ text: '张伟', phonePrefix: null, email: null, code: null }));
});
