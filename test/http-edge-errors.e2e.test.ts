import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { answerClientError } from '../src/common/errors/edge-errors.js';
import { API, bearer, startTestApp, TestApp } from './support/test-app.js';

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
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.end(bytes);
  });
}

function assertProblem(response: { status: number; headers: Record<string, string | string[] | undefined>; body: unknown }, status: number): Record<string, unknown> {
  assert.equal(response.status, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.ok(typeof body.requestId === 'string' && body.requestId.length > 0, 'a request id in the body');
  assert.equal(response.headers['x-request-id'], body.requestId, 'the same request id in the header');
  return body;
}

describe('errors raised before any route runs are problem details with a request id', { timeout: 60_000 }, () => {
  let t: TestApp;
  let port: number;

  before(async () => {
    t = await startTestApp();
    const server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await t.close();
  });

  it('refuses a lone surrogate in an e-mail with a 400 naming the field, not a 500', async () => {
    const body = '{"kind":"individual","name":"代理","email":"a\\ud800@example.cn"}';
    const response = await t.http.post(`${API}/customers`).set(bearer(t.adminToken)).set('content-type', 'application/json').send(body);
    const problem = assertProblem(response, 400);
    assert.deepEqual((problem.errors as { field: string }[]).map((error) => error.field), ['email']);
  });

  it('refuses a lone surrogate in the log-in e-mail with a 400, not a 500', async () => {
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send('{"email":"\\udc00x@example.cn","password":"whatever-1"}');
    assertProblem(response, 400);
  });

  it('answers an oversized header block with a 431 problem', async () => {
    const response = await rawRequest(port, `GET ${API}/customers HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const problem = assertProblem(response, 431);
    assert.equal(problem.title, 'Request header fields too large');
  });

  it('answers an over-long path parameter with a 414 problem that does not echo the path', async () => {
    const long = 'a'.repeat(5_000);
    const response = await t.http.get(`${API}/customers/${long}`).set(bearer(t.adminToken));
    assertProblem(response, 414);
    assert.ok(!response.text.includes(long.slice(0, 300)), 'the path is not echoed');
  });

  it('titles a 413 by its status, not "Http"', async () => {
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send(`{"email":"${'a'.repeat(1_100_000)}"}`);
    const problem = assertProblem(response, 413);
    assert.equal(problem.title, 'Payload Too Large');
  });

  it('answers an unencoded non-ASCII query with a 400 problem that says to percent-encode', async () => {
    const response = await rawRequest(port, Buffer.concat([Buffer.from(`GET ${API}/customers?q=`), Buffer.from('张', 'utf8'), Buffer.from(' HTTP/1.1\r\nhost: x\r\n\r\n')]));
    const problem = assertProblem(response, 400);
    assert.match(String(problem.detail), /percent-encoded/);
  });

  it('answers a malformed request line with a 400 problem', async () => {
    const response = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    assertProblem(response, 400);
  });

  it('logs a refused request with its id', () => {
    const lines: Record<string, unknown>[] = [];
    const socket = new PassThrough();
    socket.on('error', () => undefined); // destroyed with the parser's error, as Node's socket would be
    answerClientError.call({ log: { warn: (fields: Record<string, unknown>) => lines.push(fields) } } as never, Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }), socket);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].statusCode, 400);
    assert.equal(typeof lines[0].requestId, 'string');
  });
});
