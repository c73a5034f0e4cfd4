import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import yauzl from 'yauzl';
import { customer, purchase, serviceRequest } from './support/factories.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;

describe('personal-data export', () => {
  let t: TestApp;
  let manager: User;
  let sales: User;
  let agent: User;

  beforeAll(async () => {
    t = await startTestApp();
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales'], { managerId: manager.id });
    agent = await createUser(t, ['agent']);
  });
  afterAll(() => t.close());

  it('exports every row of every table linked to the customer, module by module, and audits it without the values', async () => {
    const made = await customer(t, sales.token, {
      name: '导出客户',
      mobile: '13500000077',
      email: 'export@example.cn',
    });
    await purchase(t, sales.token, made.id, '200.00');
    await serviceRequest(t, agent.token, made.id);
    await t.http
      .post(`${API}/customers/${made.id}/interactions`)
      .set(bearer(agent.token))
      .send({ channel: 'phone', direction: 'inbound', summary: '咨询' })
      .expect(201);
    await t.http
      .put(`${API}/customers/${made.id}/consents`)
      .set(bearer(sales.token))
      .send({ channels: [{ channel: 'sms', optedIn: true }] })
      .expect(200);
    // the purchase's points and the value recalculated after it are written by the worker, later
    await waitFor(
      async () => {
        const { rows } = await t.db.query(
          `SELECT (SELECT count(*) FROM loyalty_ledger WHERE customer_id = $1) > 0
                  AND (SELECT count(*) FROM customer_values WHERE customer_id = $1) > 0 AS done`,
          [made.id],
        );
        return rows[0].done as boolean;
      },
      30_000,
      'the purchase points and the customer value',
    );

    const exported = await t.http
      .get(`${API}/customers/${made.id}/export`)
      .set(bearer(await createApiKey(t, ['customers:export'])))
      .expect(200);
    expect(exported.body.customerId).toBe(made.id);
    expect(Object.keys(exported.body.modules).sort()).toStrictEqual(
      ['complaints', 'customers', 'feedback', 'loyalty', 'outreach', 'sales', 'service-requests', 'tasks'].sort(),
    );
    const tablesExported = new Map<string, unknown[]>();
    for (const tables of Object.values<Record<string, unknown[]>>(exported.body.modules))
      for (const [table, rows] of Object.entries(tables)) tablesExported.set(table, rows);
    expect(tablesExported.get('customers')).toMatchObject([
      { id: made.id, name: '导出客户', mobile: '+8613500000077' },
    ]);
    // from the catalogue: every table with a customer_id column is in the export, with every row
    const { rows: linked } = await t.db.query(
      `SELECT table_name AS name FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name = 'customer_id' ORDER BY table_name`,
    );
    expect(linked.length).toBeGreaterThan(15);
    for (const { name } of linked) {
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM ${name} WHERE customer_id = $1`, [made.id]);
      expect([name, tablesExported.get(name)?.length]).toStrictEqual([name, rows[0].n]);
    }
    for (const table of ['purchases', 'interactions', 'service_requests', 'loyalty_ledger', 'customer_consents'])
      expect([table, tablesExported.get(table)!.length > 0]).toStrictEqual([table, true]);
    // audited: who and which tables, never the values
    const { rows: audit } = await t.db.query(
      `SELECT actor_type, fields, before, after FROM audit_log WHERE action = 'customer.exported' AND entity_id = $1`,
      [made.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'api_key', before: null, after: { format: 'json' } });
    expect(audit[0].fields).toContain('customers.purchases');
    expect(JSON.stringify(audit[0])).not.toMatch(/导出客户|13500000077|export@example/);
  }, 60_000);

  it('answers 400 for a bad id, 404 for no customer, 308 for a merged one', async () => {
    const admin = t.adminToken;
    await t.http.get(`${API}/customers/not-a-uuid/export`).set(bearer(admin)).expect(400);
    await t.http.get(`${API}/customers/00000000-0000-4000-8000-000000000000/export`).set(bearer(admin)).expect(404);
    const survivor = await customer(t, admin, { name: '导出甲' });
    const duplicate = await customer(t, admin, { name: '导出甲' });
    await t.http
      .post(`${API}/customers/${survivor.id}/merge`)
      .set(bearer(admin))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    const moved = await t.http.get(`${API}/customers/${duplicate.id}/export`).set(bearer(admin)).expect(308);
    expect(moved.headers.location).toBe(`/api/v1/customers/${survivor.id}/export`);
  });

  it('lets administrators and customers:export keys export; no one else', async () => {
    const made = await customer(t, sales.token, { name: '导出权限' });
    const path = `${API}/customers/${made.id}/export`;
    for (const token of [manager.token, sales.token, agent.token])
      await t.http.get(path).set(bearer(token)).expect(403);
    await t.http
      .get(path)
      .set(bearer(await createApiKey(t, ['customers:read', 'customers:write'])))
      .expect(403);
    await t.http.get(path).expect(401);
    await t.http.get(path).set(bearer(t.adminToken)).expect(200);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'customer.exported' AND entity_id = $1`,
      [made.id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('answers a zip of export.json and one CSV per module and table with ?format=zip, audited as such', async () => {
    const made = await customer(t, sales.token, { name: '压缩包客户', email: 'zip@example.cn' });
    await purchase(t, sales.token, made.id, '88.00', { notes: '带"引号", 和逗号' });
    await purchase(t, sales.token, made.id, '12.00');
    await t.http
      .get(`${API}/customers/${made.id}/export`)
      .query({ format: 'tar' })
      .set(bearer(t.adminToken))
      .expect(400);
    const response = await t.http
      .get(`${API}/customers/${made.id}/export`)
      .query({ format: 'zip' })
      .set(bearer(t.adminToken))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(response.headers['content-type']).toBe('application/zip');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="customer-${made.id}-export.zip"`);
    const files = await unzip(response.body as Buffer);
    const exported = JSON.parse(files.get('export.json')!);
    expect(exported.customerId).toBe(made.id);
    const tables = Object.entries<Record<string, unknown[]>>(exported.modules).flatMap(([module, byTable]) =>
      Object.keys(byTable).map((table) => `${module}/${table}.csv`),
    );
    expect([...files.keys()].sort()).toStrictEqual(['export.json', ...tables].sort());
    const purchases = files.get('customers/purchases.csv')!;
    expect(purchases.startsWith('\uFEFFid,customer_id,')).toBe(true);
    expect(purchases).toContain('"带""引号"", 和逗号"');
    expect(purchases.trim().split('\n')).toHaveLength(3); // header and the two purchases
    expect(files.get('customers/customers.csv')).toContain('压缩包客户');
    const { rows } = await t.db.query(
      `SELECT after FROM audit_log WHERE action = 'customer.exported' AND entity_id = $1`,
      [made.id],
    );
    expect(rows).toStrictEqual([{ after: { format: 'zip' } }]);
    await t.http
      .get(`${API}/customers/${made.id}/export`)
      .query({ format: 'zip' })
      .set(bearer(sales.token))
      .expect(403);
  });
});

/** Every file of a zip, as text. */
async function unzip(buffer: Buffer): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file))),
  );
  const files = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        });
      }),
    );
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return files;
}
