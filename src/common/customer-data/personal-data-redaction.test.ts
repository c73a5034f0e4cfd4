import { describe, expect, it } from '@jest/globals';
import { containsAny, redactPersonalData, searchableForms } from './personal-data-redaction.js';

describe('personal data redaction', () => {
  const forms = searchableForms(['张伟', '+8613500000088', 'Zhang.Wei@Example.cn', '王', null, '']);

  it('searches for each value lower-cased, a Chinese mobile also without +86, and skips one-character values', () => {
    expect(forms.sort()).toStrictEqual(['+8613500000088', '13500000088', 'zhang.wei@example.cn', '张伟'].sort());
  });

  it('finds a value inside longer text, whatever its case', () => {
    expect(containsAny('请回电 13500000088 谢谢', forms)).toBe(true);
    expect(containsAny('mail ZHANG.WEI@example.CN', forms)).toBe(true);
    expect(containsAny('王先生的空调', forms)).toBe(false);
  });

  it('nulls personal keys at any depth, replaces other text that contains a value, keeps ids, amounts and states', () => {
    const payload = {
      customer: { id: 'c-1', code: 'C100001', name: '张伟', mobile: '+8613500000088', customFields: { wechat: 'zw' } },
      purchase: { amount: '199.00', currency: 'CNY', notes: '送货上门', product: '空调' },
      lines: [{ title: '致电张伟', status: 'open' }],
      changedFields: ['name', 'mobile'],
      points: 20,
      smoker: false,
    };
    expect(redactPersonalData(payload, forms)).toStrictEqual({
      customer: { id: 'c-1', code: 'C100001', name: null, mobile: null, customFields: null },
      purchase: { amount: '199.00', currency: 'CNY', notes: null, product: '空调' },
      lines: [{ title: '[erased]', status: 'open' }],
      changedFields: ['name', 'mobile'],
      points: 20,
      smoker: null,
    });
  });

  it('leaves a value without personal data equal to the input', () => {
    const payload = { purchase: { amount: '5.00', product: '滤芯' }, points: 1, nothing: null };
    expect(redactPersonalData(payload, forms)).toStrictEqual(payload);
  });
});
