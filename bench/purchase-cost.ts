/**
 * What one purchase costs, counted instead of timed: Postgres statements and transactions, Redis
 * commands and BullMQ jobs, for the api process and the worker process separately, and for the bare
 * baseline server — numbers the machine's load cannot distort.
 *
 *   npm run bench:purchase-cost -- [--purchases 500] [--concurrency 8] [--idle 5] [--top 12]
 *                                  [--database-url postgres://postgres@127.0.0.1:5432/crm_bench_perf]
 *
 * Needs an already seeded bench database (`npm run seed`; the HTTP bench's works) and `redis-server`
 * on the PATH. Starts a private redis-server on a free port (nothing else talks to it), then the api
 * (PROCESS_ROLE=api) and the worker (PROCESS_ROLE=worker), each behind a counting TCP proxy for
 * Postgres and one for Redis: the proxies read the client's side of each wire protocol and count
 * what it sends (extended-protocol Executes and simple Queries; RESP commands, EVALSHA labelled with
 * the queue of its first key). It measures both processes idle for --idle seconds, records
 * --purchases purchases through the api, waits until every purchase has its points and its
 * customer's value was recomputed after it and the queues are empty, and divides what was counted
 * (less the idle rate over the same time) by the number of purchases. Then the baseline server
 * records as many purchases behind its own proxy. Timing plays no part except in the idle
 * correction, which is small next to the per-purchase counts.
 */
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { freePort } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = path.resolve(here, '../..');
const APP_ENTRY = path.join(root, 'dist', 'src', 'main.js');
const BASELINE_ENTRY = path.join(here, 'baseline-server.js');
const PREFIX = 'crm-cost';
const PURCHASE_BODY = JSON.stringify({
  product: '净水器滤芯',
  amount: { amount: '199.00', currency: 'CNY' },
  paymentMethod: 'wechat_pay',
});

const { values: args } = parseArgs({
  options: {
    purchases: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    idle: { type: 'string', default: '5' },
    top: { type: 'string', default: '12' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/crm_bench_perf' },
  },
});
const PURCHASES = Number(args.purchases);
const CONCURRENCY = Number(args.concurrency);
const IDLE_SECONDS = Number(args.idle);
const TOP = Number(args.top);
const DATABASE_URL = args['database-url'];
const config = loadConfig();

// ---------------------------------------------------------------------------------------------
// Counting proxies

class Counter {
  readonly counts = new Map<string, number>();
  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }
}

interface PgCounters {
  statements: Counter; // by normalised text
  kinds: Counter; // statements, transactions, begin, commit, rollback
}

/** A TCP proxy to `target` on a free local port; `inspect` sees each client connection to read what it sends. */
function inspectingProxy(
  target: { host: string; port: number },
  inspect: (client: net.Socket) => void,
): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    inspect(client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Proxies Postgres; counts each statement the client executes, and its transactions (COMMITs plus statements run outside BEGIN…COMMIT). */
function pgProxy(target: { host: string; port: number }, counters: PgCounters): Promise<net.Server> {
  return inspectingProxy(target, (client) => {
    let buffer: Buffer = Buffer.alloc(0);
    let startup = true;
    let inTransaction = false;
    const prepared = new Map<string, string>();
    const portals = new Map<string, string>();
    const executed = (text: string) => {
      const sql = text.trim().replace(/\s+/g, ' ');
      const head = sql.slice(0, 20).toUpperCase();
      counters.kinds.add('statements');
      if (head.startsWith('BEGIN') || head.startsWith('START TRANSACTION')) {
        inTransaction = true;
        counters.kinds.add('begin');
        return;
      }
      if (head.startsWith('COMMIT') || head.startsWith('ROLLBACK')) {
        inTransaction = false;
        counters.kinds.add(head.startsWith('COMMIT') ? 'commit' : 'rollback');
        counters.kinds.add('transactions');
        return;
      }
      counters.kinds.add('work statements');
      if (!inTransaction) counters.kinds.add('transactions');
      counters.statements.add(sql.slice(0, 110));
    };
    client.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        if (startup) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code !== 80877103 && code !== 80877104) startup = false; // SSL and GSS requests are followed by the real startup
          continue;
        }
        if (buffer.length < 5) return;
        const type = String.fromCharCode(buffer[0]);
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) return;
        const body = buffer.subarray(5, 1 + length);
        buffer = buffer.subarray(1 + length);
        const cstrings = (n: number) => {
          const out: string[] = [];
          let at = 0;
          for (let i = 0; i < n; i++) {
            const end = body.indexOf(0, at);
            out.push(body.toString('utf8', at, end));
            at = end + 1;
          }
          return out;
        };
        if (type === 'Q') executed(cstrings(1)[0]);
        else if (type === 'P') {
          const [name, text] = cstrings(2);
          prepared.set(name, text);
        } else if (type === 'B') {
          const [portal, statement] = cstrings(2);
          portals.set(portal, prepared.get(statement) ?? `<prepared ${statement}>`);
        } else if (type === 'E') executed(portals.get(cstrings(1)[0]) ?? '<unknown portal>');
      }
    });
  });
}

/** Proxies Redis; counts each command the client sends, EVALSHA/EVAL by the queue named in its first key. */
function redisProxy(target: { host: string; port: number }, counter: Counter): Promise<net.Server> {
  return inspectingProxy(target, (client) => {
    let buffer: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        const parsed = parseCommand(buffer);
        if (!parsed) return;
        buffer = buffer.subarray(parsed.consumed);
        const [name = '', ...rest] = parsed.args;
        const command = name.toLowerCase();
        if (command === 'evalsha' || command === 'eval') {
          const key = Number(rest[1]) > 0 ? (rest[2] ?? '') : '';
          const queue = key.startsWith(`${PREFIX}:`) ? key.split(':')[1] : key ? 'other' : 'no key';
          counter.add(`${command} (${queue})`);
        } else counter.add(command);
        counter.add('commands');
      }
    });
  });
}

/** One RESP command (an array of bulk strings, or an inline line) from the front of the buffer, with its first four arguments. */
function parseCommand(buffer: Buffer): { consumed: number; args: string[] } | null {
  if (!buffer.length) return null;
  const lineEnd = (from: number) => buffer.indexOf('\r\n', from);
  if (buffer[0] !== 0x2a) {
    const end = lineEnd(0);
    return end < 0 ? null : { consumed: end + 2, args: buffer.toString('utf8', 0, end).split(' ') };
  }
  let end = lineEnd(0);
  if (end < 0) return null;
  const n = Number(buffer.toString('latin1', 1, end));
  let at = end + 2;
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    end = lineEnd(at);
    if (end < 0) return null;
    const length = Number(buffer.toString('latin1', at + 1, end));
    at = end + 2;
    if (buffer.length < at + length + 2) return null;
    if (i < 4) args.push(buffer.toString('utf8', at, Math.min(at + length, at + 200)));
    at += length + 2;
  }
  return { consumed: at, args };
}

// ---------------------------------------------------------------------------------------------
// Processes

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function start(entry: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(entry, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  child.kill('SIGKILL');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function request(
  url: string,
  method: string,
  body?: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => (text += part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function purchases(base: string, ids: string[], token?: string): Promise<void> {
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PURCHASES) {
        const id = ids[next++ % ids.length];
        const response = await request(`${base}/api/v1/customers/${id}/purchases`, 'POST', PURCHASE_BODY, token);
        if (response.status !== 201) failed++;
      }
    }),
  );
  if (failed) throw new Error(`${failed} purchases were not answered 201`);
}

// ---------------------------------------------------------------------------------------------
// Main

type Snapshot = { pg: Map<string, number>; statements: Map<string, number>; redis: Map<string, number> };
interface Side {
  name: string;
  pg: PgCounters;
  redis: Counter;
}

function snapshot(side: Side): Snapshot {
  return { pg: side.pg.kinds.snapshot(), statements: side.pg.statements.snapshot(), redis: side.redis.snapshot() };
}

function delta(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of after) out.set(key, value - (before.get(key) ?? 0));
  return out;
}

/** (during − idle rate × seconds) / purchases, per key. */
function perPurchase(
  during: Map<string, number>,
  idle: Map<string, number>,
  idleSeconds: number,
  seconds: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of during)
    out.set(key, Math.max(0, value - ((idle.get(key) ?? 0) / idleSeconds) * seconds) / PURCHASES);
  return out;
}

async function main(): Promise<void> {
  const pgTarget = (() => {
    const url = new URL(DATABASE_URL);
    return { host: url.hostname, port: Number(url.port || 5432) };
  })();
  const redisPort = await freePort();
  const redis = start(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  );
  const redisTarget = { host: '127.0.0.1', port: redisPort };
  const db = new pg.Client({ connectionString: DATABASE_URL, application_name: 'crm-purchase-cost' });
  const processes: ChildProcess[] = [redis];
  try {
    await waitFor(
      'redis-server',
      () =>
        new Promise((resolve) => {
          const socket = net
            .connect(redisPort, '127.0.0.1', () => {
              socket.destroy();
              resolve(true);
            })
            .on('error', () => resolve(false));
        }),
      10_000,
    );
    await db.connect();
    const { rows: admins } = await db.query<{ id: string }>(`SELECT id FROM users WHERE lower(email) = lower($1)`, [
      config.ADMIN_EMAIL,
    ]);
    if (!admins[0]) throw new Error(`${DATABASE_URL} has no user ${config.ADMIN_EMAIL}; seed it first`);
    await db.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`);
    const { rows: sample } = await db.query<{ id: string }>(
      `SELECT id FROM customers WHERE deleted_at IS NULL ORDER BY random() LIMIT $1`,
      [PURCHASES],
    );
    const ids = sample.map((row) => row.id);
    const { rows: endpoints } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_endpoints`);

    const sides: Record<'api' | 'worker' | 'baseline', Side> = {
      api: { name: 'api', pg: { statements: new Counter(), kinds: new Counter() }, redis: new Counter() },
      worker: { name: 'worker', pg: { statements: new Counter(), kinds: new Counter() }, redis: new Counter() },
      baseline: { name: 'baseline', pg: { statements: new Counter(), kinds: new Counter() }, redis: new Counter() },
    };
    const proxies: net.Server[] = [];
    const urls = async (side: Side) => {
      const pgServer = await pgProxy(pgTarget, side.pg);
      const redisServer = await redisProxy(redisTarget, side.redis);
      proxies.push(pgServer, redisServer);
      const database = new URL(DATABASE_URL);
      database.host = `127.0.0.1:${(pgServer.address() as net.AddressInfo).port}`;
      return {
        DATABASE_URL: database.toString(),
        REDIS_URL: `redis://127.0.0.1:${(redisServer.address() as net.AddressInfo).port}`,
      };
    };
    const env = {
      DATABASE_POOL_SIZE: '20',
      QUEUE_PREFIX: PREFIX,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      JWT_SECRET: `cost-${randomBytes(24).toString('hex')}`,
      ACCESS_TOKEN_TTL_SECONDS: '3600',
    };
    const [apiPort, workerPort, baselinePort] = await Promise.all([freePort(), freePort(), freePort()]);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const api = start(process.execPath, [APP_ENTRY], {
      ...env,
      ...(await urls(sides.api)),
      PROCESS_ROLE: 'api',
      PORT: String(apiPort),
    });
    processes.push(api);
    await waitFor('api ready', async () => (await request(`${apiUrl}/health/ready`, 'GET')).status === 200, 120_000);
    const worker = start(process.execPath, [APP_ENTRY], {
      ...env,
      ...(await urls(sides.worker)),
      PROCESS_ROLE: 'worker',
      WORKER_PORT: String(workerPort),
    });
    processes.push(worker);
    await waitFor(
      'worker ready',
      async () => (await request(`http://127.0.0.1:${workerPort}/health/ready`, 'GET')).status === 200,
      120_000,
    );
    const login = await request(
      `${apiUrl}/api/v1/auth/login`,
      'POST',
      JSON.stringify({ email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD }),
    );
    const token = (JSON.parse(login.body) as { accessToken: string }).accessToken;
    await sleep(2_000); // start-up work (schedulers, the first relay polls) settles

    const queues = Object.values(QueueName).map(
      (name) => new Queue(name, { connection: { ...redisTarget }, prefix: PREFIX }),
    );
    const jobCounts = async () =>
      new Map(
        await Promise.all(
          queues.map(async (queue) => {
            const counts = await queue.getJobCounts(
              'completed',
              'failed',
              'waiting',
              'active',
              'prioritized',
              'delayed',
            );
            return [queue.name, counts] as const;
          }),
        ),
      );

    // Idle
    const idleStart = { api: snapshot(sides.api), worker: snapshot(sides.worker) };
    await sleep(IDLE_SECONDS * 1000);
    const idle = {
      api: delta(snapshot(sides.api).redis, idleStart.api.redis),
      worker: delta(snapshot(sides.worker).redis, idleStart.worker.redis),
    };
    const idlePg = {
      api: delta(snapshot(sides.api).pg, idleStart.api.pg),
      worker: delta(snapshot(sides.worker).pg, idleStart.worker.pg),
    };

    // Purchases, then the pipeline drains
    const jobsBefore = await jobCounts();
    const before = { api: snapshot(sides.api), worker: snapshot(sides.worker) };
    const {
      rows: [{ now: from }],
    } = await db.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
    const started = Date.now();
    await purchases(apiUrl, ids, token);
    const apiAfter = snapshot(sides.api);
    await waitFor(
      'pipeline drained',
      async () => {
        const {
          rows: [state],
        } = await db.query<{ left: string }>(
          `SELECT count(*) FILTER (WHERE l.id IS NULL OR v.computed_at IS NULL OR v.computed_at < p.created_at) AS left
           FROM purchases p
           LEFT JOIN loyalty_ledger l ON l.source_type = 'purchase' AND l.source_id = p.id::text AND l.kind = 'earn'
           LEFT JOIN customer_values v ON v.customer_id = p.customer_id
          WHERE p.created_at >= $1`,
          [from],
        );
        if (Number(state.left) > 0) return false;
        const {
          rows: [outbox],
        } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL`);
        if (Number(outbox.n) > 0) return false;
        const counts = await jobCounts();
        return [...counts.values()].every((c) => c.waiting + c.active + c.prioritized === 0);
      },
      300_000,
    );
    await sleep(1_500); // the last completions, and the relay's poll after them
    const seconds = (Date.now() - started) / 1000;
    const after = { api: snapshot(sides.api), worker: snapshot(sides.worker) };
    const jobsAfter = await jobCounts();
    await Promise.all(queues.map((queue) => queue.close()));
    await stop(worker);
    await stop(api);

    // The bare baseline, behind its own proxy
    const baseline = start(process.execPath, [BASELINE_ENTRY], {
      ...(await urls(sides.baseline)),
      PORT: String(baselinePort),
      POOL_SIZE: '20',
      ACTOR_ID: admins[0].id,
    });
    processes.push(baseline);
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    await waitFor('baseline ready', async () => (await request(`${baselineUrl}/health`, 'GET')).status === 200, 30_000);
    const baselineBefore = snapshot(sides.baseline);
    await purchases(baselineUrl, ids);
    const baselineAfter = snapshot(sides.baseline);
    await stop(baseline);
    await db.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`); // the baseline's events: nobody consumes them
    for (const server of proxies) server.close();

    // Report
    const apiPg = perPurchase(delta(after.api.pg, before.api.pg), idlePg.api, IDLE_SECONDS, seconds);
    const workerPg = perPurchase(delta(after.worker.pg, before.worker.pg), idlePg.worker, IDLE_SECONDS, seconds);
    const basePg = perPurchase(delta(baselineAfter.pg, baselineBefore.pg), new Map(), 1, 0);
    const apiRedis = perPurchase(delta(after.api.redis, before.api.redis), idle.api, IDLE_SECONDS, seconds);
    const workerRedis = perPurchase(delta(after.worker.redis, before.worker.redis), idle.worker, IDLE_SECONDS, seconds);
    const f = (n: number | undefined) => (n === undefined || n === 0 ? '–' : n.toFixed(2));
    const table = (title: string, rows: [string, string, string, string][]) => {
      const widths = [0, 1, 2, 3].map((i) =>
        Math.max(...rows.map((row) => row[i].length), [title, 'api', 'worker', 'bare baseline'][i].length),
      );
      const line = (cells: string[]) =>
        `| ${cells.map((cell, i) => (i ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ')} |`;
      console.log(
        `\n${line([title, 'api', 'worker', 'bare baseline'])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      );
      for (const row of rows) console.log(line(row));
    };
    console.log(
      `Per purchase, ${PURCHASES} purchases (${CONCURRENCY} at a time) on ${new URL(DATABASE_URL).pathname.slice(1)}, ${endpoints[0].n} webhook endpoints;` +
        ` the api and the worker each behind counting proxies; drained ${seconds.toFixed(1)} s after the first purchase;` +
        ` idle counts over ${IDLE_SECONDS} s subtracted at their rate (api only while purchases ran: ${((Date.now() - started) / 1000).toFixed(0)} s total).`,
    );
    void apiAfter;
    table(
      'Postgres, per purchase',
      ['transactions', 'work statements', 'begin', 'commit', 'rollback', 'statements'].map((key) => [
        key === 'statements'
          ? 'all statements (incl. BEGIN/COMMIT)'
          : key === 'work statements'
            ? 'statements (excl. BEGIN/COMMIT)'
            : key,
        f(apiPg.get(key)),
        f(workerPg.get(key)),
        f(basePg.get(key)),
      ]),
    );
    const redisKeys = [...new Set([...apiRedis.keys(), ...workerRedis.keys()])]
      .filter((key) => key !== 'commands')
      .filter((key) => (apiRedis.get(key) ?? 0) + (workerRedis.get(key) ?? 0) >= 0.005)
      .sort(
        (a, b) =>
          (workerRedis.get(b) ?? 0) + (apiRedis.get(b) ?? 0) - ((workerRedis.get(a) ?? 0) + (apiRedis.get(a) ?? 0)),
      );
    table('Redis commands sent, per purchase', [
      ['all', f(apiRedis.get('commands')), f(workerRedis.get('commands')), '–'],
      ...redisKeys.map(
        (key) => [`  ${key}`, f(apiRedis.get(key)), f(workerRedis.get(key)), '–'] as [string, string, string, string],
      ),
    ]);
    const jobRows: [string, string, string, string][] = [];
    let totalJobs = 0;
    for (const [name, counts] of jobsAfter) {
      const was = jobsBefore.get(name)!;
      const done = counts.completed - was.completed + counts.failed - was.failed;
      totalJobs += done;
      if (done > 0)
        jobRows.push([
          `  ${name}${counts.failed - was.failed ? ` (${counts.failed - was.failed} failed)` : ''}`,
          '–',
          f(done / PURCHASES),
          '–',
        ]);
    }
    table('BullMQ jobs run, per purchase', [['all', '–', f(totalJobs / PURCHASES), '–'], ...jobRows]);
    console.log(
      `\nIdle, per second: api ${f((idlePg.api.get('transactions') ?? 0) / IDLE_SECONDS)} transactions, ${f((idle.api.get('commands') ?? 0) / IDLE_SECONDS)} Redis commands;` +
        ` worker ${f((idlePg.worker.get('transactions') ?? 0) / IDLE_SECONDS)} transactions, ${f((idle.worker.get('commands') ?? 0) / IDLE_SECONDS)} Redis commands.`,
    );
    for (const [side, statements, start] of [
      ['api', after.api.statements, before.api.statements],
      ['worker', after.worker.statements, before.worker.statements],
    ] as const) {
      const counted = [...delta(statements, start)]
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP);
      console.log(`\nTop statements of the ${side} (count per purchase, not idle-corrected):`);
      for (const [sql, n] of counted) console.log(`  ${(n / PURCHASES).toFixed(2).padStart(6)}  ${sql}`);
    }
  } finally {
    await db.end().catch(() => undefined);
    for (const child of processes.reverse()) await stop(child);
    agent.destroy();
  }
}

main()
  .catch((error: unknown) => {
    console.error(`purchase-cost failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => setTimeout(() => process.exit(), 500).unref());
