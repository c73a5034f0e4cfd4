import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomersRepository, type SearchTerms } from '../../src/modules/customers/customers.repository.js';
import { copyOfTemplateDatabase, type MediumDatabase } from './template-database.js';

/** The customer list query's search and paging, on the real indexes and SQL functions (search grams). */
describe('CustomersRepository.list', () => {
  let database: MediumDatabase;
  let customers: CustomersRepository;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await copyOfTemplateDatabase();
    customers = new CustomersRepository(database.dataSource);
    const rows: [string, Record<string, unknown>][] = [
      ['wang', { kind: 'individual', name: '王芳', mobile: '+8613800138000', region: '浙江' }],
      ['wangwei', { kind: 'individual', name: '王 伟', region: '江苏' }],
      ['fangwang', { kind: 'individual', name: '方王', region: '浙江' }],
      ['company', { kind: 'organization', name: '李娜', company_name: '杭州净水科技有限公司', region: '浙江' }],
      ['percent', { kind: 'individual', name: '100% 满意', email: 'happy_customer@example.com' }],
    ];
    for (const [key, columns] of rows) ids[key] = (await customers.insert(database.dataSource.manager, columns)).id;
  });
  afterAll(() => database?.close());

  const text = (value: string): SearchTerms => ({ text: value, phonePrefix: null, email: null, code: null });
  const found = async (search: SearchTerms | null, filters = {}) =>
    (await customers.list(filters, search, null, 50)).map((row) => Object.keys(ids).find((key) => ids[key] === row.id));

  it('finds a one-character surname wherever it stands in the name', async () => {
    expect((await found(text('王'))).sort()).toStrictEqual(['fangwang', 'wang', 'wangwei']);
  });

  it('matches two characters as a pair in that order, and ignores spaces in names', async () => {
    expect(await found(text('王伟'))).toStrictEqual(['wangwei']);
    expect(await found(text('方王'))).toStrictEqual(['fangwang']);
  });

  it('checks longer queries as substrings, of the name or the company name', async () => {
    expect(await found(text('净水科技'))).toStrictEqual(['company']);
    expect(await found(text('科技净水'))).toStrictEqual([]);
  });

  it('takes % and _ in a query literally', async () => {
    expect(await found(text('100%满'))).toStrictEqual(['percent']);
    expect(await found({ text: 'zzz', phonePrefix: null, email: 'happy_c', code: null })).toStrictEqual(['percent']);
    expect(await found({ text: 'zzz', phonePrefix: null, email: 'happyxc', code: null })).toStrictEqual([]);
  });

  it('finds a customer by the start of a mobile number', async () => {
    expect(await found({ text: 'zzz', phonePrefix: '+86138001', email: null, code: null })).toStrictEqual(['wang']);
  });

  it('lists newest first and combines a search with filters', async () => {
    expect(await found(null)).toStrictEqual(['percent', 'company', 'fangwang', 'wangwei', 'wang']);
    expect((await found(text('王'), { region: '浙江' })).sort()).toStrictEqual(['fangwang', 'wang']);
  });
});
