/**
 * A partner's webhook receiver for the benchmark, in a process of its own: answers 204 at once and
 * remembers when each (path, webhook-id) first arrived. GET /stats reports counts; GET /receipts the
 * first-arrival times. It does not verify signatures (the tests do that with standardwebhooks).
 *
 *   node dist/bench/webhook-receiver.js <port>
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const firstArrival = new Map<string, number>();
let requests = 0;

const server = createServer((request, response) => {
  if (request.method === 'GET') {
    const body =
      request.url === '/receipts'
        ? JSON.stringify(Object.fromEntries(firstArrival))
        : JSON.stringify({ requests, unique: firstArrival.size });
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  request.resume();
  request.on('end', () => {
    const key = `${request.url}|${String(request.headers['webhook-id'])}`;
    requests += 1;
    if (!firstArrival.has(key)) firstArrival.set(key, Date.now());
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as { port: number }).port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
