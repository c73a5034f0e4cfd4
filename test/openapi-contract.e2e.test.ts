import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { API, bearer, startTestApp, type TestApp } from './support/test-app.js';
import { customerWithPurchases, serviceRequest } from './support/factories.js';
import { toJsonSchema } from './support/contract.js';

type Schema = Record<string, unknown>;
interface Operation {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/**
 * The OpenAPI document is a contract a frontend can generate a client from (issue 18): every operation
 * has a summary and its problem responses, paged lists are declared as pages, and what the server
 * answers validates against what the document declares — every list a caller can read without an id,
 * a read by id, and the problems of a refused request.
 */
describe('the OpenAPI contract', () => {
  let t: TestApp;
  let document: Document;
  let ajv: Ajv;
  const operations: { method: string; path: string; operation: Operation }[] = [];
  const validators = new Map<string, ValidateFunction>();
  let customer: { id: string };

  beforeAll(async () => {
    t = await startTestApp();
    document = (await t.http.get('/docs-json').expect(200)).body as Document;
    for (const [path, item] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(item)) operations.push({ method, path, operation });
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(toJsonSchema({ components: document.components }) as Schema, 'doc');
    // data for the lists to have rows
    customer = await customerWithPurchases(t, t.adminToken, ['199.00', '2399.50']);
    await serviceRequest(t, t.adminToken, customer.id, { subject: '合同测试', hold: true });
  }, 120_000);
  afterAll(() => t?.close(), 120_000);

  /** The validator of an operation's response schema for a status and media type. */
  function validatorFor(path: string, method: string, status: number, media = 'application/json') {
    const id = `${method} ${path} ${status} ${media}`;
    if (!validators.has(id)) {
      const schema = document.paths[path][method].responses[String(status)]?.content?.[media]?.schema;
      if (!schema) return null;
      validators.set(id, ajv.compile(toJsonSchema(schema) as Schema));
    }
    return validators.get(id)!;
  }

  it('gives every operation a summary, and its problem responses behind a token', () => {
    expect(operations.length).toBeGreaterThan(150);
    expect(operations.filter(({ operation }) => !operation.summary).map(({ path }) => path)).toStrictEqual([]);
    // Who may call it, from the metadata the AuthGuard enforces (src/infrastructure/http/openapi-access.ts).
    expect(
      operations
        .filter(({ operation }) => !operation.description?.includes('**Who may call:**'))
        .map(({ method, path }) => `${method} ${path}`),
    ).toStrictEqual([]);
    const missing = operations
      .filter(({ operation }) => operation.security?.length)
      .filter(({ operation }) =>
        ['401', '403', '400', '503'].some(
          (status) => !operation.responses[status]?.content?.['application/problem+json'],
        ),
      )
      .map(({ method, path }) => `${method} ${path}`);
    expect(missing).toStrictEqual([]);
  });

  it('declares limit as an integer and every paged list as {data, nextCursor}', () => {
    const problems: string[] = [];
    for (const { method, path, operation } of operations) {
      const limit = operation.parameters?.find((parameter) => parameter.name === 'limit');
      if (limit && (limit.schema?.allOf || limit.schema?.type !== 'integer')) problems.push(`${path}: limit`);
      const paged = limit && operation.parameters?.some((parameter) => parameter.name === 'cursor');
      const schema = operation.responses['200']?.content?.['application/json']?.schema;
      if (paged && schema?.type === 'array') problems.push(`${method} ${path}: a bare array`);
    }
    expect(problems).toStrictEqual([]);
  });

  it('answers every list readable without an id as its declared schema says', async () => {
    const lists = operations.filter(
      ({ method, path, operation }) =>
        method === 'get' &&
        path.startsWith(API) &&
        !path.includes('{') &&
        !operation.parameters?.some((parameter) => parameter.required && parameter.in === 'query'),
    );
    const failures: string[] = [];
    let checked = 0;
    for (const { path } of lists) {
      const response = await t.http.get(path).set(bearer(t.adminToken));
      if (response.status >= 500) failures.push(`${path}: ${response.status}`);
      if (response.status !== 200) continue;
      const validate = validatorFor(path, 'get', 200);
      if (!validate) continue;
      checked += 1;
      if (!validate(response.body)) failures.push(`${path}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(failures).toStrictEqual([]);
    expect(checked).toBeGreaterThanOrEqual(20);
  }, 120_000);

  it('declares a schema for every answer with a body: every list a page, files by their media type', () => {
    // A 2xx without content is an answer without a body (204, 202 with nothing to say); one with content must
    // say what it is. Lists (GETs under /api/v1 without a path id, and `…/{id}/<items>` lists) are pages.
    const withoutSchema: string[] = [];
    for (const { method, path, operation } of operations)
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!status.startsWith('2')) continue;
        for (const [media, content] of Object.entries(response.content ?? {}))
          if (!content.schema) withoutSchema.push(`${method} ${path} ${status} ${media}`);
        if (method === 'get' && status === '200' && !response.content) withoutSchema.push(`${method} ${path} 200`);
      }
    expect(withoutSchema).toStrictEqual([]);
  });

  it('answers reads by id as declared: a customer, its loyalty summary with the next tier, its timeline', async () => {
    const failures: string[] = [];
    for (const path of [`${API}/customers/{id}`, `${API}/customers/{id}/loyalty`, `${API}/customers/{id}/timeline`]) {
      const response = await t.http.get(path.replace('{id}', customer.id)).set(bearer(t.adminToken)).expect(200);
      const validate = validatorFor(path, 'get', 200);
      if (!validate) failures.push(`${path}: no schema`);
      else if (!validate(response.body)) failures.push(`${path}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(failures).toStrictEqual([]);
  }, 60_000);

  it('answers refused requests with the problem schema it declares', async () => {
    const cases = [
      { path: `${API}/customers`, method: 'get', status: 401, request: () => t.http.get(`${API}/customers`) },
      {
        path: `${API}/customers`,
        method: 'post',
        status: 400,
        request: () => t.http.post(`${API}/customers`).set(bearer(t.adminToken)).send({ kind: 'robot' }),
      },
      {
        path: `${API}/customers/{id}`,
        method: 'get',
        status: 404,
        request: () => t.http.get(`${API}/customers/00000000-0000-4000-8000-000000000000`).set(bearer(t.adminToken)),
      },
    ];
    for (const c of cases) {
      const response = await c.request();
      expect(response.status).toBe(c.status);
      const validate = validatorFor(c.path, c.method, c.status, 'application/problem+json');
      expect(validate).not.toBeNull();
      expect({ path: c.path, valid: validate!(response.body), errors: validate!.errors ?? null }).toEqual({
        path: c.path,
        valid: true,
        errors: null,
      });
    }
  }, 60_000);
});
