import { describe, expect, it } from '@jest/globals';
import { isRejected, mapColumns, normaliseDate, readRow } from './import-row.js';

describe('import rows', () => {
  it.each([
    ['1985年3月2日', '1985-03-02'],
    ['1985 年 3 月 2 日', '1985-03-02'],
    ['1985/3/2', '1985-03-02'],
    ['1985-03-02', '1985-03-02'],
    ['1985.3.2', '1985-03-02'],
    ['19850302', '1985-03-02'],
    ['1985/3/2 0:00:00', '1985-03-02'],
    ['31108', '1985-03-02'],
    ['1985年2月30日', null],
    ['1985/13/2', null],
    ['3/2/1985', null],
    ['昨天', null],
  ])('reads the date %s as %s', (input, expected) => {
    expect(normaliseDate(input)).toBe(expected);
  });

  it('maps the template headers, the API names and the request mapping, and reports what it cannot', () => {
    const mapping = mapColumns(['姓名', ' 手机 ', 'email', '属相', '微信', '备用'], { 微信: 'customFields.wechat' });
    expect(mapping.targets).toStrictEqual(['name', 'mobile', 'email', null, 'customFields.wechat', null]);
    expect(mapping.unmapped).toStrictEqual(['备用']);
    expect(mapping.problems).toStrictEqual([]);
    expect(mapColumns(['手机', '电话']).problems).toStrictEqual([
      { field: 'mapping', message: 'no column gives the name (姓名)' },
    ]);
    expect(mapColumns(['姓名', '客户姓名']).problems).toStrictEqual([
      { field: 'mapping', message: 'columns "姓名" and "客户姓名" both fill name' },
    ]);
  });

  it('normalises a good row and gives every reason for a bad one', () => {
    const mapping = mapColumns(['编号', '姓名', '性别', '手机', '电子邮件', '是否有吸烟', '出生年月日']);
    const context = { defaultRegion: 'CN', customFields: [] };
    const good = readRow(
      2,
      ['c100001', '张伟', '男', '138 1234 5678', 'Zhang@Example.CN', '否', '1985/6/15'],
      mapping,
      context,
    );
    expect(good).toStrictEqual({
      line: 2,
      code: 'C100001',
      customer: {
        kind: 'individual',
        name: '张伟',
        gender: 'male',
        mobile: '+8613812345678',
        email: 'zhang@example.cn',
        smoker: false,
        birthDate: '1985-06-15',
      },
      customFields: {},
    });
    const bad = readRow(3, ['', '', '未知', '123', 'nope', '偶尔', '2999/1/1'], mapping, context);
    expect(isRejected(bad)).toBe(true);
    const fields = isRejected(bad) ? bad.reasons.map((reason) => reason.field).sort() : [];
    expect([...new Set(fields)]).toStrictEqual(['birthDate', 'email', 'gender', 'mobile', 'name', 'smoker']);
  });
});
