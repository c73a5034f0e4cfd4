import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Clients that trickle a request hold a connection each; with no deadline 150 of them stayed open for
 * ever. Here the whole request must arrive within HTTP_REQUEST_TIMEOUT_MS (1 s in this test), or the
 * connection is answered 408 and closed (issue 11, item 7).
 */
describe('slow clients', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ HTTP_REQUEST_TIMEOUT_MS: '1000' });
    const server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  /** Opens a connection, sends `head`, then one byte every 100 ms; resolves with what came back and when the server closed it. */
  function trickle(head: string): Promise<{ answer: string; closedAfterMs: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      const drip = setInterval(() => socket.writable && socket.write('x'), 100);
      socket.on('connect', () => socket.write(head));
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        resolve({ answer, closedAfterMs: Date.now() - started });
      });
    });
  }

  it('cuts off 50 connections trickling their bodies, with 408 problem details, while others are served', async () => {
    const slow = Array.from({ length: 50 }, () =>
      trickle(
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"email":"',
      ),
    );
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(200);
    const results = await Promise.all(slow);
    for (const { answer, closedAfterMs } of results) {
      expect(closedAfterMs).toBeLessThan(5_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(answer).toMatch(/application\/problem\+json/);
    }
  }, 30_000);

  it('cuts off a connection trickling its headers', async () => {
    const { answer, closedAfterMs } = await trickle('GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    expect(closedAfterMs).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);
});
