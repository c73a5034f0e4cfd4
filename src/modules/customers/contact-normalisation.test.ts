import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
  for (const [input, expected] of cases) it(`${input} → ${expected}`, () => assert.equal(normalisePhone(input, 'CN'), expected));
});

describe('classifySearch', () => {
  it('reads digits as a phone prefix', () => assert.equal(classifySearch('1395555', 'CN').phonePrefix, '+861395555'));
  it('reads a full number as that number', () => assert.equal(classifySearch('139 5555 4444', 'CN').phonePrefix, '+8613955554444'));
  it('reads an @ as an e-mail', () => assert.equal(classifySearch('Wei@X.cn', 'CN').email, 'wei@x.cn'));
  it('reads C and digits as a customer number', () => assert.equal(classifySearch('c100023', 'CN').code, 'C100023'));
  it('reads Chinese as text only', () => assert.deepEqual(classifySearch(' 张伟 ', 'CN'), { text: '张伟', phonePrefix: null, email: null, code: null }));
});
