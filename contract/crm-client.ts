import createClient from 'openapi-fetch';
import type { components, paths } from './generated/openapi.js';

/**
 * A typed client over the types openapi-typescript generates from /docs-json (`npm run contract:client`):
 * what a frontend writes, kept here so the generated types are compiled against real calls. Paths,
 * bodies, query parameters and answers are all checked by tsc; nothing here is typed by hand.
 */
export type Customer = components['schemas']['CustomerDto'];
export type CustomerPage = paths['/api/v1/customers']['get']['responses'][200]['content']['application/json'];
export type Problem = components['schemas']['Problem'];

export function crmClient(baseUrl: string, accessToken?: string) {
  return createClient<paths>({
    baseUrl,
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
  });
}

export async function logIn(baseUrl: string, email: string, password: string): Promise<string> {
  const { data, error } = await crmClient(baseUrl).POST('/api/v1/auth/login', { body: { email, password } });
  if (error) throw new Error(`log in refused: ${error.status} ${error.detail}`);
  return data.accessToken;
}

/** Creates a customer; the same Idempotency-Key with another body is refused with a 422 problem. */
export async function createCustomer(
  baseUrl: string,
  accessToken: string,
  name: string,
  idempotencyKey: string,
): Promise<{ status: number; customer?: Customer; problem?: Problem }> {
  const { data, error, response } = await crmClient(baseUrl, accessToken).POST('/api/v1/customers', {
    body: { kind: 'individual', name, mobile: '13812345678' },
    headers: { 'Idempotency-Key': idempotencyKey },
  });
  return { status: response.status, customer: data, problem: error };
}

export async function listCustomers(baseUrl: string, accessToken: string, q: string): Promise<CustomerPage> {
  const { data, error } = await crmClient(baseUrl, accessToken).GET('/api/v1/customers', {
    params: { query: { q, limit: 10 } },
  });
  if (error) throw new Error(`list refused: ${error.status} ${error.detail}`);
  return data;
}
