/**
 * The benchmark's bare baseline: Node's own http server and a pg Pool, running the same SQL as the
 * application for the three benchmarked operations, with no framework, validation, auth or logging.
 *
 *   GET  /api/v1/customers/:id            CustomersRepository.findById
 *   GET  /api/v1/customers?q=…&limit=…    CustomersRepository.list (text search)
 *   POST /api/v1/customers/:id/purchases  one transaction: exists, insertPurchase, audit row, outbox event
 *   GET  /health
 *
 * Environment: DATABASE_URL, PORT, POOL_SIZE (default 20), ACTOR_ID (the user recorded as the actor).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { POSTGRES_SESSION_OPTIONS } from '../src/infrastructure/database/data-source-options.js';
import { classifySearch } from '../src/modules/customers/contact-normalisation.js';
import {
  CUSTOMER_EXISTS,
  encodeCursor,
  FIND_BY_ID,
  INSERT_AUDIT,
  INSERT_OUTBOX,
  INSERT_PURCHASE,
  listQuery,
  presentWithoutSensitive,
} from './app-sql.js';

// As the application does (data-source-options.ts): DATE columns stay 'YYYY-MM-DD' strings.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/crm_bench';
const port = Number(process.env.PORT ?? 3100);
const poolSize = Number(process.env.POOL_SIZE ?? 20);
const actorId = process.env.ACTOR_ID ?? null;
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: poolSize,
  application_name: 'crm-baseline',
  options: POSTGRES_SESSION_OPTIONS,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CUSTOMER = /^\/api\/v1\/customers\/([^/?]+)$/;
const PURCHASES = /^\/api\/v1\/customers\/([^/?]+)\/purchases$/;

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function getCustomer(id: string, response: http.ServerResponse): Promise<void> {
  const { rows } = await pool.query(FIND_BY_ID, [id]);
  if (!rows[0]) return send(response, 404, { title: 'Not Found' });
  send(response, 200, presentWithoutSensitive(rows[0]));
}

async function searchCustomers(query: URLSearchParams, response: http.ServerResponse): Promise<void> {
  const q = query.get('q');
  const limit = Math.min(200, Math.max(1, Number(query.get('limit') ?? 50) || 50));
  const search = q === null ? null : classifySearch(q, 'CN');
  const statement = listQuery(search, limit);
  const { rows } = await pool.query(statement.text, statement.values);
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  send(response, 200, {
    data: page.map(presentWithoutSensitive),
    nextCursor: hasMore ? encodeCursor(last.cursorAt, last.id) : null,
  });
}

async function recordPurchase(
  customerId: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const dto = JSON.parse(await readBody(request)) as {
    product: string;
    quantity?: number;
    amount: { amount: string; currency: string };
    paymentMethod: string;
  };
  const [whole, fraction = ''] = dto.amount.amount.split('.');
  const amount = `${whole}.${fraction.padEnd(2, '0').slice(0, 2)}`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: found } = await client.query(CUSTOMER_EXISTS, [customerId]);
    if (!found[0]) {
      await client.query('ROLLBACK');
      return send(response, 404, { title: 'Not Found' });
    }
    const { rows } = await client.query(INSERT_PURCHASE, [
      customerId,
      new Date().toISOString(),
      dto.product,
      dto.quantity ?? 1,
      amount,
      dto.amount.currency,
      dto.paymentMethod,
      null,
      null,
      actorId,
    ]);
    const { cursorAt: _, ...purchase } = rows[0];
    await client.query(INSERT_AUDIT, [
      'user',
      actorId,
      'purchase.recorded',
      'purchase',
      purchase.id,
      null,
      JSON.stringify(purchase),
      null,
      randomUUID(),
    ]);
    await client.query(INSERT_OUTBOX, ['purchase.recorded', 'customer', customerId, JSON.stringify({ purchase })]);
    await client.query('COMMIT');
    send(response, 201, purchase);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const handle = async () => {
    if (request.method === 'GET' && url.pathname === '/health') return send(response, 200, { status: 'ok' });
    if (request.method === 'GET' && url.pathname === '/api/v1/customers')
      return searchCustomers(url.searchParams, response);
    let match = CUSTOMER.exec(url.pathname);
    if (request.method === 'GET' && match) {
      if (!UUID.test(match[1])) return send(response, 400, { title: 'Bad Request' });
      return getCustomer(match[1], response);
    }
    match = PURCHASES.exec(url.pathname);
    if (request.method === 'POST' && match) {
      if (!UUID.test(match[1])) return send(response, 400, { title: 'Bad Request' });
      return recordPurchase(match[1], request, response);
    }
    send(response, 404, { title: 'Not Found' });
  };
  handle().catch((error: Error) => {
    if (!response.headersSent) send(response, 500, { title: 'Internal Server Error', detail: error.message });
    else response.destroy();
  });
});
server.keepAliveTimeout = 65_000;

server.listen(port, '127.0.0.1', () =>
  console.log(`baseline listening on http://127.0.0.1:${port} (pool ${poolSize})`),
);

const shutdown = () => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
