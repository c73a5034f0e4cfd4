import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { answerClientError } from '../src/common/errors/edge-errors.js';
import { API, bearer, startTestApp, type TestApp } from './support/test-app.js';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are (no client library re-encodes them) and reads the answer until the server closes. */
function rawRequest(port: number, bytes: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.end(bytes);
  });
}

function assertProblem(
  response: { status: number; headers: Record<string, string | string[] | undefined>; body: unknown },
  status: number,
): Record<string, unknown> {
  expect(response.status).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Record<
    string,
    unknown
  >;
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  // a request id in the body
  expect(typeof body.requestId === 'string' && body.requestId.length > 0).toBe(true);
  // the same request id in the header
  expect(response.headers['x-request-id']).toBe(body.requestId);
  return body;
}

describe('errors raised before any route runs are problem details with a request id', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    const server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }, 60_000);
  afterAll(async () => {
    await t.close();
  }, 60_000);

  it('refuses a lone surrogate in an e-mail with a 400 naming the field, not a 500', async () => {
    const body = '{"kind":"individual","name":"代理","email":"a\\ud800@example.cn"}';
    const response = await t.http
      .post(`${API}/customers`)
      .set(bearer(t.adminToken))
      .set('content-type', 'application/json')
      .send(body);
    const problem = assertProblem(response, 400);
    expect((problem.errors as { field: string }[]).map((error) => error.field)).toStrictEqual(['email']);
  }, 60_000);

  it('refuses a lone surrogate in the log-in e-mail with a 400, not a 500', async () => {
    const response = await t.http
      .post(`${API}/auth/login`)
      .set('content-type', 'application/json')
      .send('{"email":"\\udc00x@example.cn","password":"whatever-1"}');
    assertProblem(response, 400);
  }, 60_000);

  it('answers an oversized header block with a 431 problem', async () => {
    const response = await rawRequest(
      port,
      `GET ${API}/customers HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const problem = assertProblem(response, 431);
    expect(problem.title).toBe('Request header fields too large');
  }, 60_000);

  it('answers an over-long path parameter with a 414 problem that does not echo the path', async () => {
    const long = 'a'.repeat(5_000);
    const response = await t.http.get(`${API}/customers/${long}`).set(bearer(t.adminToken));
    assertProblem(response, 414);
    // the path is not echoed
    expect(response.text.includes(long.slice(0, 300))).toBe(false);
  }, 60_000);

  it('titles a 413 by its status, not "Http"', async () => {
    const response = await t.http
      .post(`${API}/auth/login`)
      .set('content-type', 'application/json')
      .send(`{"email":"${'a'.repeat(1_100_000)}"}`);
    const problem = assertProblem(response, 413);
    expect(problem.title).toBe('Payload Too Large');
  }, 60_000);

  it('answers an unencoded non-ASCII query with a 400 problem that says to percent-encode', async () => {
    const response = await rawRequest(
      port,
      Buffer.concat([
        Buffer.from(`GET ${API}/customers?q=`),
        Buffer.from('张', 'utf8'),
        Buffer.from(' HTTP/1.1\r\nhost: x\r\n\r\n'),
      ]),
    );
    const problem = assertProblem(response, 400);
    expect(String(problem.detail)).toMatch(/percent-encoded/);
  }, 60_000);

  it('answers a malformed request line with a 400 problem', async () => {
    const response = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    assertProblem(response, 400);
  }, 60_000);

  it('logs a refused request with its id', () => {
    const lines: Record<string, unknown>[] = [];
    const socket = new PassThrough();
    socket.on('error', () => undefined); // destroyed with the parser's error, as Node's socket would be
    answerClientError.call(
      { log: { warn: (fields: Record<string, unknown>) => lines.push(fields) } } as never,
      Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }),
      socket,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0].statusCode).toBe(400);
    expect(typeof lines[0].requestId).toBe('string');
  }, 60_000);
});
