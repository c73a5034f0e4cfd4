import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import iconv from 'iconv-lite';
import { customer } from './support/factories.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;

const TEMPLATE = [
  '登记日期',
  '客户等级',
  '编号',
  '姓名',
  '性别',
  '出生年月日',
  '属相',
  '教育程度',
  '手机',
  '电子邮件',
  '是否有吸烟',
  '其他',
];

function csv(rows: string[][]): string {
  return rows
    .map((row) => row.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(','))
    .join('\r\n');
}

describe('customer CSV imports', () => {
  let t: TestApp;
  let manager: User;
  let sales: User;
  let agent: User;

  beforeAll(async () => {
    t = await startTestApp();
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales']);
    agent = await createUser(t, ['agent']);
  });
  afterAll(() => t.close());

  function upload(file: Buffer, options: Record<string, unknown> = {}, token = manager.token, name = 'customers.csv') {
    return t.http
      .post(`${API}/customers/imports`)
      .set(bearer(token))
      .field('options', JSON.stringify(options))
      .attach('file', file, { filename: name, contentType: 'text/csv' });
  }

  async function finished(id: string, token = manager.token, timeoutMs = 120_000) {
    return waitFor(
      async () => {
        const response = await t.http.get(`${API}/customers/imports/${id}`).set(bearer(token)).expect(200);
        return ['completed', 'failed'].includes(response.body.status) ? response.body : null;
      },
      timeoutMs,
      `import ${id} to finish`,
    );
  }

  async function customersNamed(name: string) {
    const { rows } = await t.db.query(
      `SELECT id, name, mobile, email, birth_date::text AS "birthDate", smoker, level, notes, registered_on::text AS "registeredOn", version
       FROM customers WHERE name = $1 AND deleted_at IS NULL ORDER BY created_at`,
      [name],
    );
    return rows;
  }

  it('imports a UTF-8 file with a BOM and the template headers, normalising each row and rejecting bad ones with every reason', async () => {
    const file = Buffer.from(
      '\ufeff' +
        csv([
          TEMPLATE,
          [
            '2024/1/5',
            '高',
            '',
            '导入甲',
            '男',
            '1985年3月2日',
            '牛',
            '本科及以上',
            '138 0013 8000',
            'Jia@Example.CN',
            '否',
            '第一行\n第二行, "引号"',
          ],
          ['', '中', '', '导入乙', '女', '1990/12/31', '', '大专', '+86 139-0013-9000', '', '是', ''],
          ['', '', '', '', '火星人', '1985年2月30日', '', '博士', '12345', 'not-an-email', '也许', ''],
        ]),
    );
    const started = await upload(file).expect(202);
    expect(started.body).toMatchObject({ status: 'queued', encoding: 'utf-8', onMatch: 'skip', dryRun: false });
    expect(started.body.columns.find((c: { header: string }) => c.header === '属相').target).toBeNull();
    const done = await finished(started.body.id);
    expect(done).toMatchObject({
      status: 'completed',
      progress: 100,
      counts: { rows: 3, created: 2, updated: 0, skipped: 0, rejected: 1 },
    });
    const [jia] = await customersNamed('导入甲');
    expect(jia).toMatchObject({
      mobile: '+8613800138000',
      email: 'jia@example.cn',
      birthDate: '1985-03-02',
      smoker: false,
      level: '高',
      notes: '第一行\n第二行, "引号"',
      registeredOn: '2024-01-05',
    });
    const [yi] = await customersNamed('导入乙');
    expect(yi).toMatchObject({ mobile: '+8613900139000', birthDate: '1990-12-31', smoker: true });
    // created through the customers module: an event each, in the bulk lane, and an audit row without the values
    const events = await t.db.query(
      `SELECT lane, payload FROM outbox WHERE type = 'customer.created' AND aggregate_id = $1`,
      [jia.id],
    );
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0].lane).toBe('bulk');
    expect(events.rows[0].payload.customer.birthDate).toBeUndefined();
    const audit = await t.db.query(
      `SELECT after FROM audit_log WHERE action = 'customer.imported' AND entity_id = $1`,
      [jia.id],
    );
    expect(audit.rows[0].after).toStrictEqual({ importId: started.body.id, line: 2 });
    // the API finds them
    const listed = await t.http.get(`${API}/customers`).query({ q: '导入甲' }).set(bearer(agent.token)).expect(200);
    expect(listed.body.data.map((c: { id: string }) => c.id)).toStrictEqual([jia.id]);

    const rejected = await t.http
      .get(`${API}/customers/imports/${started.body.id}/rejected-rows`)
      .set(bearer(manager.token))
      .expect(200);
    expect(rejected.headers['content-type']).toMatch(/^text\/csv/);
    const lines = rejected.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe([...TEMPLATE, '行号 line', '原因 reasons'].join(','));
    const reasons = lines[1];
    expect(lines[1].startsWith(',,,,火星人,1985年2月30日,,博士,12345,not-an-email,也许,,5,')).toBe(true);
    for (const field of ['name', 'gender', 'birthDate', 'education', 'mobile', 'email', 'smoker'])
      expect(reasons).toContain(`${field}:`);
  });

  it('detects and decodes a GBK file (Excel on Chinese Windows)', async () => {
    const file = iconv.encode(
      csv([
        ['姓名', '手机', '出生年月日', '住址'],
        ['国标客户', '13700137000', '1979.6.1', '浙江省永康市'],
      ]),
      'gbk',
    );
    const started = await upload(file).expect(202);
    expect(started.body.encoding).toBe('gbk');
    expect(await finished(started.body.id)).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 0 } });
    const { rows } = await t.db.query(
      `SELECT home_address AS address, birth_date::text AS born FROM customers WHERE name = '国标客户'`,
    );
    expect(rows).toStrictEqual([{ address: '浙江省永康市', born: '1979-06-01' }]);
  });

  it('matches existing customers by phone, e-mail or customer number: skip, or update as asked', async () => {
    const existing = await customer(t, manager.token, {
      name: '老客户',
      mobile: '13600136000',
      email: 'old@example.cn',
    });
    const file = (name: string) =>
      Buffer.from(
        csv([
          ['姓名', '手机', '电子邮件', '编号', '职务'],
          [name, '136 0013 6000', '', '', '经理'],
          [name, '', 'OLD@example.cn', '', '总监'],
          [name, '', '', existing.code, '董事'],
          ['文件内重复', '13500135000', '', '', ''],
          ['文件内重复', '13500135000', '', '', '第二次'],
        ]),
      );
    const skipped = await finished((await upload(file('不应改名')).expect(202)).body.id);
    expect(skipped.counts).toMatchObject({ created: 1, updated: 0, skipped: 4, rejected: 0 });
    expect(await customersNamed('文件内重复')).toHaveLength(1);

    const updated = await finished((await upload(file('改了名'), { onMatch: 'update' }).expect(202)).body.id);
    expect(updated.counts).toMatchObject({ created: 0, updated: 5, skipped: 0, rejected: 0 });
    const [renamed] = await customersNamed('改了名');
    expect(renamed.id).toBe(existing.id);
    const profile = await t.http.get(`${API}/customers/${existing.id}`).set(bearer(manager.token)).expect(200);
    expect(profile.body.jobTitle).toBe('董事');
    expect(await customersNamed('老客户')).toHaveLength(0);
  });

  it('reports a dry run without writing a customer', async () => {
    const file = Buffer.from(
      csv([
        ['姓名', '手机'],
        ['试运行甲', '13400134000'],
        ['试运行乙', 'bad'],
      ]),
    );
    const done = await finished((await upload(file, { dryRun: true }).expect(202)).body.id);
    expect(done).toMatchObject({ status: 'completed', dryRun: true, counts: { created: 1, rejected: 1 } });
    expect(await customersNamed('试运行甲')).toHaveLength(0);
    const events = await t.db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE payload->'customer'->>'name' = '试运行甲'`,
    );
    expect(events.rows[0].n).toBe(0);
  });

  it('takes a mapping for other headers and custom fields', async () => {
    await t.http
      .post(`${API}/admin/custom-fields`)
      .set(bearer(t.adminToken))
      .send({ key: 'wechat', label: '微信', type: 'text' })
      .expect(201);
    const file = Buffer.from(
      csv([
        ['Full name', 'WeChat', 'Cell', 'Ignored'],
        ['映射客户', 'wx_123', '13300133000', 'x'],
      ]),
    );
    const started = await upload(file, {
      mapping: { 'Full name': 'name', WeChat: 'customFields.wechat', Cell: 'mobile', Ignored: null },
    }).expect(202);
    expect(await finished(started.body.id)).toMatchObject({ counts: { created: 1, rejected: 0 } });
    const { rows } = await t.db.query(
      `SELECT custom_fields AS "customFields", mobile FROM customers WHERE name = '映射客户'`,
    );
    expect(rows).toStrictEqual([{ customFields: { wechat: 'wx_123' }, mobile: '+8613300133000' }]);
  });

  it('refuses a file it cannot map, bad options, a non-multipart body and an empty file, storing nothing', async () => {
    const before = (await t.db.query(`SELECT count(*)::int AS n FROM customer_imports`)).rows[0].n;
    const noName = await upload(Buffer.from(csv([['手机'], ['13200132000']]))).expect(422);
    expect(noName.body.errors).toContainEqual({ field: 'mapping', message: 'no column gives the name (姓名)' });
    await upload(Buffer.from(csv([['姓名'], ['x']])), { mapping: { 姓名: 'passwordHash' } }).expect(400);
    await upload(Buffer.from(csv([['姓名'], ['x']])), { mapping: { 不存在: 'name' } }).expect(422);
    await upload(Buffer.from(csv([['姓名'], ['x']])), { onMatch: 'merge' }).expect(400);
    await upload(Buffer.from(''), {}).expect(422);
    await t.http.post(`${API}/customers/imports`).set(bearer(manager.token)).send({ file: 'x' }).expect(415);
    for (const body of [
      '{"kind":"individual"}',
      '--x\r\nnot a header\r\n\r\nx',
      '--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n姓名',
    ]) {
      const malformed = await t.http
        .post(`${API}/customers/imports`)
        .set(bearer(manager.token))
        .set('content-type', 'multipart/form-data; boundary=x')
        .send(body);
      expect({ body, status: malformed.status }).toEqual({ body, status: 422 });
      expect(malformed.headers['content-type']).toContain('application/problem+json');
    }
    const after = (await t.db.query(`SELECT count(*)::int AS n FROM customer_imports`)).rows[0].n;
    expect(after).toBe(before);
  });

  it('lets managers, administrators and keys with customers:write import; no one else', async () => {
    const file = Buffer.from(csv([['姓名'], ['权限客户']]));
    await upload(file, {}, sales.token).expect(403);
    await upload(file, {}, agent.token).expect(403);
    await upload(file, {}, await createApiKey(t, ['customers:read'])).expect(403);
    await t.http.post(`${API}/customers/imports`).attach('file', file, 'x.csv').expect(401);
    const byKey = await upload(file, {}, await createApiKey(t, ['customers:write'])).expect(202);
    await upload(file, {}, t.adminToken).expect(202);
    await t.http.get(`${API}/customers/imports/${byKey.body.id}`).set(bearer(agent.token)).expect(403);
    await t.http.get(`${API}/customers/imports/${byKey.body.id}/rejected-rows`).set(bearer(sales.token)).expect(403);
    await t.http
      .get(`${API}/customers/imports/00000000-0000-4000-8000-000000000000`)
      .set(bearer(manager.token))
      .expect(404);
    await t.http
      .get(`${API}/customers/imports/00000000-0000-4000-8000-000000000000/rejected-rows`)
      .set(bearer(manager.token))
      .expect(404);
    await t.http.get(`${API}/customers/imports/not-a-uuid`).set(bearer(manager.token)).expect(400);
  });

  it('imports 50,000 rows with 5% bad ones, each bad row rejected with its line', async () => {
    const rows = [['姓名', '手机', '出生年月日', '电子邮件']];
    for (let n = 0; n < 50_000; n += 1) {
      const bad = n % 20 === 7;
      rows.push([
        `批量${n}`,
        bad ? '123' : `+86 131 ${String(n).padStart(8, '0')}`.replace(/(\d{4})(\d{4})$/, '$1 $2'),
        `${1950 + (n % 50)}年${1 + (n % 12)}月${1 + (n % 28)}日`,
        `bulk${n}@example.cn`,
      ]);
    }
    // An API key, not a user's access token: the token would expire (15 minutes) on a slow machine.
    const key = await createApiKey(t, ['customers:write']);
    const started = await upload(Buffer.from(csv(rows)), {}, key).expect(202);
    const done = await finished(started.body.id, key, 1_500_000);
    expect(done).toMatchObject({ status: 'completed', counts: { rows: 50_000, created: 47_500, rejected: 2_500 } });
    const { rows: counted } = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE name LIKE '批量%'`);
    expect(counted[0].n).toBe(47_500);
    const rejected = await t.db.query(
      `SELECT min(line) AS first, count(*)::int AS n FROM customer_import_rejections WHERE import_id = $1`,
      [started.body.id],
    );
    // data row n is on line n + 2 (the header is line 1); the first bad one is n = 7
    expect(rejected.rows[0]).toStrictEqual({ first: 9, n: 2_500 });
  }, 1_800_000);
});
