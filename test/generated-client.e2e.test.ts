import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { buildClient } from '../scripts/contract-client.js';
import { ADMIN, startTestApp, type TestApp } from './support/test-app.js';

/** contract/crm-client.ts, imported by a computed name: the main tsconfig must not follow it to the generated types. */
const CLIENT_MODULE = '../contract/crm-client.js';
interface Client {
  logIn(baseUrl: string, email: string, password: string): Promise<string>;
  createCustomer(
    baseUrl: string,
    token: string,
    name: string,
    idempotencyKey: string,
  ): Promise<{ status: number; customer?: { id: string }; problem?: { status: number; type: string } }>;
  listCustomers(baseUrl: string, token: string, q: string): Promise<{ data: { id: string }[]; nextCursor: unknown }>;
}

/**
 * A client generated from the server's own /docs-json with openapi-typescript compiles (tsc over the
 * generated types and contract/crm-client.ts, which calls through openapi-fetch), and drives the server:
 * log in, create a customer, find it in the list, and a refused create as a typed 422 problem (issue 18).
 */
describe('a client generated from the OpenAPI document', () => {
  let t: TestApp;
  let baseUrl: string;
  let client: Client;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(() => t?.close(), 120_000);

  it('compiles: openapi-typescript over /docs-json, then tsc over the types and the client that uses them', async () => {
    const document = (await t.http.get('/docs-json').expect(200)).body;
    const build = await buildClient(document);
    expect({ ok: build.ok, output: build.ok ? '' : build.output }).toEqual({ ok: true, output: '' });
    client = (await import(CLIENT_MODULE)) as Client;
  }, 240_000);

  it('logs in, creates a customer, lists it, and gets a 422 problem for a reused Idempotency-Key', async () => {
    const token = await client.logIn(baseUrl, ADMIN.email, ADMIN.password);
    const created = await client.createCustomer(baseUrl, token, '生成客户端测试', 'generated-client-1');
    expect(created.status).toBe(201);
    expect(created.customer).toMatchObject({ name: '生成客户端测试', kind: 'individual' });

    const page = await client.listCustomers(baseUrl, token, '生成客户端');
    expect(page.data.map((customer) => customer.id)).toStrictEqual([created.customer!.id]);
    expect(page.nextCursor).toBeNull();

    const refused = await client.createCustomer(baseUrl, token, '另一个名字', 'generated-client-1');
    expect(refused.status).toBe(422);
    expect(refused.problem).toMatchObject({ status: 422, type: expect.stringContaining('idempotency-key-reused') });
  }, 60_000);
});
