/**
 * Benchmark: the real application against a bare Node http + pg baseline running the same SQL.
 *
 *   npm run bench -- [--customers 1000000] [--duration 15] [--connections 20] [--search-connections 4] [--skip-seed]
 *                    [--warmup 3] [--database-url URL] [--timeout-minutes 60]
 *
 * Uses its own database (crm_bench on the configured server), seeded with scripts/seed.ts unless it
 * already holds exactly --customers customers. Starts `node dist/src/main.js` and
 * dist/bench/baseline-server.js as child processes, drives each scenario with autocannon from this
 * process, prints a table and writes bench/results/latest.json. Children are killed at the end, on
 * error, on Ctrl-C and when the time limit is reached.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { classifySearch } from '../src/modules/customers/contact-normalisation.js';
import { SURNAMES } from '../scripts/seed-data.js';
import { restoreDroppedIndexes, seed } from '../scripts/seed.js';
import { listQuery } from './app-sql.js';
import { freePort, percentile } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = path.resolve(here, '../..');
const resultsDir = path.join(root, 'bench', 'results');
const APP_ENTRY = path.join(root, 'dist', 'src', 'main.js');
const BASELINE_ENTRY = path.join(here, 'baseline-server.js');
const BARE_PIPELINE_ENTRY = path.join(here, 'baseline-pipeline.js');
const POOL_SIZE = 20;
const PURCHASE_BODY = JSON.stringify({
  product: '净水器滤芯',
  amount: { amount: '199.00', currency: 'CNY' },
  paymentMethod: 'wechat_pay',
});

// ---------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '20' },
    'search-connections': { type: 'string', default: '4' },
    warmup: { type: 'string', default: '3' },
    'skip-seed': { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    'timeout-minutes': { type: 'string', default: '60' },
    layout: { type: 'string', default: 'split' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench -- [--customers 1000000] [--duration 15] [--connections 20] [--search-connections 4] [--warmup 3] [--skip-seed] [--database-url URL] [--timeout-minutes 60]',
  );
  process.exit(0);
}
const number = (name: string, value: string, min: number) => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number ≥ ${min}`);
    process.exit(64);
  }
  return n;
};
const CUSTOMERS = Math.floor(number('customers', args.customers, 1));
const DURATION = number('duration', args.duration, 1);
const CONNECTIONS = Math.floor(number('connections', args.connections, 1));
// Search has a latency target: measure it with a few concurrent users, not with the CPU saturated
// (at 20 connections on 2 cores the bare baseline's own p95 is ~800 ms of queueing).
const SEARCH_CONNECTIONS = Math.floor(number('search-connections', args['search-connections'], 1));
const WARMUP = number('warmup', args.warmup, 0);
const TIMEOUT_MS = number('timeout-minutes', args['timeout-minutes'], 1) * 60_000;
// As deployed: the api in one process and the worker (outbox relay, points, tiers, webhook fan-out) in
// another, both running during the app's runs. `all` runs both roles in one process, as `npm start` does;
// `api` runs no worker at all (events wait in the outbox), to tell the api's own cost from the worker's.
if (args.layout !== 'split' && args.layout !== 'all' && args.layout !== 'api') {
  console.error('--layout must be split, all or api');
  process.exit(64);
}
const LAYOUT = args.layout;

const config = loadConfig();
const databaseUrl =
  args['database-url'] ??
  (() => {
    const url = new URL(config.DATABASE_URL);
    url.pathname = '/crm_bench';
    return url.toString();
  })();
const ADMIN = { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD };

// ---------------------------------------------------------------------------------------------
// Child processes: tracked, and killed on every way out

const children = new Set<ChildProcess>();

function startChild(name: string, entry: string, env: Record<string, string>): ChildProcess {
  mkdirSync(resultsDir, { recursive: true });
  const logFile = path.join(resultsDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'w' });
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to every server this bench starts
  // (NODE_OPTIONS refuses --cpu-prof); each writes its profile when it shuts down.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    log.end();
    if (!stopping.has(child))
      console.error(
        `  ! ${name} exited unexpectedly (code ${code}, signal ${signal}); see ${path.relative(root, logFile)}`,
      );
  });
  return child;
}

const stopping = new Set<ChildProcess>();

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(8_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(2_000)]);
  }
}

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
}

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the servers`);
    void stopAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntilReady(name: string, url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited before it was ready (see bench/results/${name}.log)`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs / 1000} s`);
}

async function http<T>(
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed as T };
}

async function login(base: string, email: string, password: string): Promise<string> {
  const response = await http<{ accessToken?: string }>('POST', `${base}/api/v1/auth/login`, { email, password });
  if (response.status !== 200 || !response.body.accessToken)
    throw new Error(`log-in as ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.accessToken;
}

const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '–'),
  ms: (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : '–'),
  pct: (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : '–'),
  s: (ms: number) => `${(ms / 1000).toFixed(1)} s`,
};

// ---------------------------------------------------------------------------------------------
// Load

interface LoadStats {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  rps: number;
  latencyMs: { mean: number; p50: number; p95: number; p99: number; max: number };
  statusCodes: Record<string, number>;
}

async function load(
  url: string,
  requests: autocannon.Request[],
  seconds: number,
  connections = CONNECTIONS,
): Promise<LoadStats> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  const started = process.hrtime.bigint();
  const instance = autocannon({ url, connections, duration: seconds, timeout: 10, requests });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) ok++;
  });
  const guard = setTimeout(() => instance.stop(), (seconds + 30) * 1000);
  let result: autocannon.Result;
  try {
    result = await instance;
  } finally {
    clearTimeout(guard);
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((sum, l) => sum + l, 0) / (latencies.length || 1);
  return {
    requests: latencies.length,
    ok,
    non2xx: latencies.length - ok,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: elapsed,
    rps: ok / elapsed,
    latencyMs: {
      mean,
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? NaN,
    },
    statusCodes,
  };
}

interface Scenario {
  key: 'read' | 'search' | 'purchase';
  title: string;
  target: { kind: 'ratio'; min: number; label: string } | { kind: 'p95'; maxMs: number; label: string };
  /** Connections for this scenario; a latency target is measured below saturation. */
  connections: number;
  requests: (tokens: { read: string; write: string }) => autocannon.Request[];
}

function rotate<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const started = Date.now();
  const notes: string[] = [];
  let t0: number;
  console.log(
    `CRM benchmark: ${CUSTOMERS.toLocaleString('en')} customers, ${DURATION} s per scenario after a ${WARMUP} s warm-up, ${CONNECTIONS} connections, database ${new URL(databaseUrl).pathname.slice(1)}`,
  );
  console.log(
    `Machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}`,
  );

  // 1. The database
  let seeding: { seconds: number; customers: number; purchases: number } | null = null;
  const existing = await countCustomers();
  if (args['skip-seed']) {
    if (existing <= 0)
      throw new Error(
        `--skip-seed, but ${new URL(databaseUrl).pathname.slice(1)} has no customers; run without --skip-seed first`,
      );
    console.log(`Seeding skipped (--skip-seed): the database has ${existing.toLocaleString('en')} customers`);
    if (existing !== CUSTOMERS)
      notes.push(`--skip-seed: the database has ${existing} customers, not --customers ${CUSTOMERS}`);
  } else if (existing === CUSTOMERS) {
    console.log(`The database already has ${CUSTOMERS.toLocaleString('en')} customers: not seeding again`);
  } else {
    console.log(
      existing < 0
        ? 'The database is new: seeding'
        : `The database has ${existing.toLocaleString('en')} customers, not ${CUSTOMERS.toLocaleString('en')}: reseeding from scratch`,
    );
    const result = await seed({
      databaseUrl,
      customers: CUSTOMERS,
      reset: true,
      adminEmail: ADMIN.email,
      adminPassword: ADMIN.password,
      log: (line) => console.log(`  ${line}`),
    });
    seeding = { seconds: result.seconds, customers: result.customers, purchases: result.purchases };
  }
  await restoreDroppedIndexes(databaseUrl, (line) => console.log(line));

  const db = new pg.Client({ connectionString: databaseUrl, application_name: 'crm-bench' });
  await db.connect();
  let app: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  let baseline: ChildProcess | undefined;
  let barePipeline: ChildProcess | undefined;
  try {
    const { rows: version } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const { rows: admins } = await db.query<{ id: string }>(`SELECT id FROM users WHERE lower(email) = lower($1)`, [
      ADMIN.email,
    ]);
    if (!admins[0])
      throw new Error(
        `the bench database has no user ${ADMIN.email}; reseed it (run without --skip-seed after dropping it)`,
      );
    // Events left unpublished by earlier runs (the baseline writes outbox rows no relay publishes) would
    // make the app's relay busy during this run.
    const { rowCount: leftover } = await db.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`);
    if (leftover) console.log(`Marked ${leftover} outbox rows left by earlier runs as published`);

    // 2. Request data: random existing customers, and search terms taken from their names
    const { rows: sample } = await db.query<{ id: string; name: string; kind: string }>(
      `SELECT id, name, kind FROM customers WHERE deleted_at IS NULL ORDER BY random() LIMIT 10000`,
    );
    const ids = sample.map((row) => row.id);
    const terms = searchTerms(sample.filter((row) => row.kind === 'individual').map((row) => row.name));
    console.log(
      `Loaded ${ids.length.toLocaleString('en')} random customer ids and ${terms.length} search terms (e.g. ${terms.slice(0, 9).join(' ')})`,
    );
    // Read the sampled customers once so neither server pays for the first read of their pages, and flush
    // dirty buffers (a fresh seed leaves gigabytes) so a checkpoint does not run during the measurements.
    await db.query(`SELECT count(*) FROM customers WHERE id = ANY ($1::uuid[])`, [ids]);
    try {
      t0 = Date.now();
      await db.query('CHECKPOINT');
      console.log(`CHECKPOINT before measuring: ${fmt.s(Date.now() - t0)}`);
    } catch {
      notes.push('CHECKPOINT before measuring was not allowed for this database user');
    }

    // 3. Query plans of the app's search for a surname and a full name
    const planChecks = [];
    for (const q of [
      '张',
      '张伟',
      terms.find((term) => term.length === 2 && !SURNAMES.some(([s]) => term.startsWith(s))) ?? '秀英',
    ]) {
      planChecks.push(await explainSearch(db, q));
    }

    // 4. The servers
    const [appPort, baselinePort, workerPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const appUrl = `http://127.0.0.1:${appPort}`;
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    let t = Date.now();
    const appEnv = {
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      QUEUE_PREFIX: 'crm-bench',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      JWT_SECRET: `bench-${randomBytes(24).toString('hex')}`,
      ACCESS_TOKEN_TTL_SECONDS: '3600', // the longest allowed; a run takes minutes
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    };
    app = startChild('app', APP_ENTRY, {
      ...appEnv,
      PORT: String(appPort),
      PROCESS_ROLE: LAYOUT === 'all' ? 'all' : 'api',
    });
    await waitUntilReady('app', `${appUrl}/health/ready`, app, 120_000);
    if (LAYOUT === 'split') {
      // Started after the api, which has run the migrations; the worker's own are then a no-op.
      worker = startChild('worker', APP_ENTRY, { ...appEnv, WORKER_PORT: String(workerPort), PROCESS_ROLE: 'worker' });
      await waitUntilReady('worker', `http://127.0.0.1:${workerPort}/health/ready`, worker, 120_000);
    }
    console.log(
      LAYOUT === 'split'
        ? `App ready in ${fmt.s(Date.now() - t)}: api on ${appUrl} (PROCESS_ROLE=api) and a worker process (PROCESS_ROLE=worker), NODE_ENV=production, LOG_LEVEL=warn, pool ${POOL_SIZE} each`
        : `App ready on ${appUrl} in ${fmt.s(Date.now() - t)} (node dist/src/main.js, PROCESS_ROLE=all, NODE_ENV=production, LOG_LEVEL=warn, pool ${POOL_SIZE})`,
    );

    const adminToken = await login(appUrl, ADMIN.email, ADMIN.password);
    const stamp = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const staff: Record<string, string> = {};
    for (const role of ['agent', 'sales'] as const) {
      const email = `bench-${role}-${stamp}@example.com`;
      const password = `bench-${randomBytes(6).toString('hex')}`;
      const created = await http<{ id?: string }>(
        'POST',
        `${appUrl}/api/v1/users`,
        { email, name: `压测${role === 'agent' ? '客服' : '销售'}`, password, roles: [role] },
        adminToken,
      );
      if (created.status !== 201)
        throw new Error(`creating the ${role} user failed: ${created.status} ${JSON.stringify(created.body)}`);
      staff[role] = await login(appUrl, email, password);
    }
    console.log('Logged in as the administrator, and as an agent and a salesperson created for this run');

    t = Date.now();
    baseline = startChild('baseline', BASELINE_ENTRY, {
      DATABASE_URL: databaseUrl,
      PORT: String(baselinePort),
      POOL_SIZE: String(POOL_SIZE),
      ACTOR_ID: admins[0].id,
    });
    await waitUntilReady('baseline', `${baselineUrl}/health`, baseline, 30_000);
    console.log(
      `Baseline ready on ${baselineUrl} in ${fmt.s(Date.now() - t)} (node:http + pg Pool of ${POOL_SIZE}, same SQL)`,
    );

    // 5. Same answers from both?
    const sameAnswers = await compareAnswers(appUrl, baselineUrl, staff.agent, ids[0], terms[1] ?? '张伟');
    for (const difference of sameAnswers) {
      console.log(`  ! ${difference}`);
      notes.push(difference);
    }
    if (!sameAnswers.length) console.log('App and baseline return the same JSON for a customer and for a search page');

    // 6. Scenarios
    const nextId = rotate(ids);
    const nextTerm = rotate(terms);
    const scenarios: Scenario[] = [
      {
        key: 'read',
        title: 'GET /customers/{id}',
        target: { kind: 'ratio', min: 0.6, label: 'app ≥ 60% of baseline req/s' },
        connections: CONNECTIONS,
        requests: ({ read }) => [
          {
            method: 'GET',
            headers: { authorization: `Bearer ${read}` },
            setupRequest: (request) => ({ ...request, path: `/api/v1/customers/${nextId()}` }),
          },
        ],
      },
      {
        key: 'search',
        title: 'GET /customers?q=<name>',
        target: { kind: 'p95', maxMs: 50, label: 'app p95 < 50 ms' },
        connections: SEARCH_CONNECTIONS,
        requests: ({ read }) => [
          {
            method: 'GET',
            headers: { authorization: `Bearer ${read}` },
            setupRequest: (request) => ({ ...request, path: `/api/v1/customers?q=${encodeURIComponent(nextTerm())}` }),
          },
        ],
      },
      {
        key: 'purchase',
        title: 'POST /customers/{id}/purchases',
        target: { kind: 'ratio', min: 0.5, label: 'app ≥ 50% of baseline req/s' },
        connections: CONNECTIONS,
        requests: ({ write }) => [
          {
            method: 'POST',
            headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
            body: PURCHASE_BODY,
            setupRequest: (request) => ({ ...request, path: `/api/v1/customers/${nextId()}/purchases` }),
          },
        ],
      },
    ];
    const tokens = { read: staff.agent, write: adminToken };
    const measured: Record<string, { app?: LoadStats; baseline?: LoadStats; outboxBacklog?: number }> = {};
    let pipeline: PipelineStats | undefined;
    let bare: PipelineStats | undefined;

    // Each scenario runs against the app, then against the baseline, each after its own warm-up. The app
    // is stopped before the baseline's purchase run: its outbox relay would otherwise publish the
    // baseline's events and take CPU from it.
    console.log(`\nLoad (${WARMUP} s warm-up, then ${DURATION} s measured, ${CONNECTIONS} connections):`);
    for (const scenario of scenarios) {
      for (const [name, url] of [
        ['app', appUrl],
        ['baseline', baselineUrl],
      ] as const) {
        if (name === 'baseline' && scenario.key === 'purchase') {
          await Promise.all([stopChild(app), stopChild(worker)]);
          app = worker = undefined;
          if (LAYOUT !== 'api') {
            // The fair partner of the app's pipeline: the baseline's purchases consumed by a bare BullMQ worker.
            const barePort = await freePort();
            barePipeline = startChild('baseline-pipeline', BARE_PIPELINE_ENTRY, {
              DATABASE_URL: databaseUrl,
              REDIS_URL: config.REDIS_URL,
              PORT: String(barePort),
              POOL_SIZE: String(POOL_SIZE),
            });
            await waitUntilReady('baseline-pipeline', `http://127.0.0.1:${barePort}/health`, barePipeline, 30_000);
          }
        }
        if (WARMUP > 0) await load(url, scenario.requests(tokens), WARMUP, scenario.connections);
        const pipelineFrom = await databaseNow(db);
        const stats = await load(url, scenario.requests(tokens), DURATION, scenario.connections);
        (measured[scenario.key] ??= {})[name] = stats;
        console.log(
          `  ${name.padEnd(8)} ${scenario.title.padEnd(32)} ${String(scenario.connections).padStart(3)} conn ${fmt.int(stats.rps).padStart(7)} req/s  p50 ${fmt.ms(stats.latencyMs.p50)}  p95 ${fmt.ms(stats.latencyMs.p95)}  p99 ${fmt.ms(stats.latencyMs.p99)}  ` +
            `(${stats.ok.toLocaleString('en')} ok${stats.non2xx ? `, ${stats.non2xx} NOT 2xx: ${JSON.stringify(stats.statusCodes)}` : ''}${stats.errors ? `, ${stats.errors} errors` : ''})`,
        );
        if (name === 'baseline' && scenario.key === 'purchase' && barePipeline) {
          bare = await measurePipeline(db, pipelineFrom);
          await stopChild(barePipeline);
          barePipeline = undefined;
          console.log(
            `  bare pipeline ${bare.purchases.toLocaleString('en')} purchases: points credited at ${fmt.int(bare.creditedPerSecond)}/s` +
              ` (lag p50 ${fmt.ms(bare.pointsLagMs.p50)}, p95 ${fmt.ms(bare.pointsLagMs.p95)}); tiers updated ${fmt.pct(bare.tiersWithinOneSecond)} within 1 s;` +
              ` drained ${fmt.s(bare.drainedAfterMs)} after the run${bare.complete ? '' : ' — NOT COMPLETE'}`,
          );
          if (pipeline)
            console.log(
              `  pipeline app / bare: ${fmt.pct(pipeline.creditedPerSecond / bare.creditedPerSecond)} (points credited per second, each against its own api's purchases)`,
            );
        }
        if (name === 'app' && scenario.key === 'purchase') {
          const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL`);
          measured.purchase.outboxBacklog = Number(rows[0].n);
          if (LAYOUT !== 'api') pipeline = await measurePipeline(db, pipelineFrom);
          if (pipeline)
            console.log(
              `  pipeline ${pipeline.purchases.toLocaleString('en')} purchases of the measured run: points credited at ${fmt.int(pipeline.creditedPerSecond)}/s` +
                ` (lag p50 ${fmt.ms(pipeline.pointsLagMs.p50)}, p95 ${fmt.ms(pipeline.pointsLagMs.p95)}, p99 ${fmt.ms(pipeline.pointsLagMs.p99)});` +
                ` tiers updated ${fmt.pct(pipeline.tiersWithinOneSecond)} within 1 s (lag p95 ${fmt.ms(pipeline.tierLagMs.p95)});` +
                ` drained ${fmt.s(pipeline.drainedAfterMs)} after the run${pipeline.complete ? '' : ' — NOT COMPLETE'}`,
            );
        }
        await sleep(1_000);
      }
    }

    // 7. Report
    const rows = scenarios.map((scenario) => {
      const { app: a, baseline: b } = measured[scenario.key];
      const ratio = a!.rps / b!.rps;
      const valid = a!.non2xx === 0 && b!.non2xx === 0 && a!.errors === 0 && b!.errors === 0;
      const met =
        scenario.target.kind === 'ratio' ? ratio >= scenario.target.min : a!.latencyMs.p95 < scenario.target.maxMs;
      return { scenario, app: a!, baseline: b!, ratio, met, valid };
    });
    printTable(rows);
    const backlog = measured.purchase.outboxBacklog;
    console.log(`\nNotes:
  - Request logging is at warn for both: the app runs with LOG_LEVEL=warn (successful requests are not logged), the baseline logs nothing.
  - Reads (GET by id and search) use an agent's token: agents do not see sensitive fields, so reads write no customer.sensitive_read audit rows.
  - Purchases are recorded with the administrator's token; each is one transaction (customer check, insert, audit row, outbox event) in both servers.
  - ${{ split: 'The app runs as deployed: an api process and a worker process (outbox relay, points, tiers, webhook fan-out) on the same cores', all: 'The app runs PROCESS_ROLE=all, so its outbox relay and queue workers share its process', api: 'The app runs its api alone (--layout api): no worker consumes its events' }[LAYOUT]}; ${backlog ?? '?'} outbox events were still unpublished when the purchase run ended.
  - ${LAYOUT === 'api' ? 'The baseline records purchases and nothing consumes its events.' : 'The baseline api does none of the consuming; its purchases are consumed by the bare pipeline (bench/baseline-pipeline.ts: outbox relay, one BullMQ job crediting the points and a debounced tier job, the same SQL), started after the app is stopped.'}
  - autocannon runs in the benchmark process on the same ${os.cpus().length}-CPU machine as both servers and Postgres. Each scenario runs on the app, then on the baseline;\n    the sampled customers were read once beforehand so both find them cached, and the app is stopped before the baseline's purchase run.
  - Latency percentiles are over every response of the measured run (warm-up excluded).`);
    for (const note of notes) console.log(`  - ${note}`);

    const report = {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim(),
        memoryGB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: version[0].v,
      },
      options: {
        customers: CUSTOMERS,
        durationSeconds: DURATION,
        warmupSeconds: WARMUP,
        connections: CONNECTIONS,
        poolSize: POOL_SIZE,
        database: new URL(databaseUrl).pathname.slice(1),
      },
      seeding,
      scenarios: rows.map((row) => ({
        key: row.scenario.key,
        title: row.scenario.title,
        target: row.scenario.target,
        met: row.met,
        valid: row.valid,
        ratio: Number(row.ratio.toFixed(3)),
        app: round(row.app),
        baseline: round(row.baseline),
      })),
      outboxBacklogAfterAppPurchases: backlog,
      layout: LAYOUT,
      pipeline,
      barePipeline: bare,
      pipelineRatio:
        pipeline && bare ? Number((pipeline.creditedPerSecond / bare.creditedPerSecond).toFixed(3)) : undefined,
      searchTerms: terms.slice(0, 30),
      planChecks,
      notes: [
        'Request logging at warn for both (app LOG_LEVEL=warn; the baseline does not log).',
        'Reads use an agent token: agents do not see sensitive fields, so reads write no sensitive-read audit rows.',
        'Purchases use the administrator token.',
        'The load generator shares the machine with both servers and Postgres.',
        ...notes,
      ],
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `\nWrote ${path.relative(root, path.join(resultsDir, 'latest.json'))} (total ${fmt.s(Date.now() - started)})`,
    );
  } finally {
    await Promise.all([stopChild(app), stopChild(worker), stopChild(baseline), stopChild(barePipeline)]);
    await db.end().catch(() => undefined);
  }
}

async function databaseNow(db: pg.Client): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
  return rows[0].now;
}

interface PipelineStats {
  purchases: number;
  complete: boolean;
  drainedAfterMs: number;
  creditedPerSecond: number;
  pointsLagMs: { p50: number; p95: number; p99: number; max: number };
  tierLagMs: { p50: number; p95: number; p99: number; max: number };
  tiersWithinOneSecond: number;
}

/**
 * What the worker made of the purchases recorded since `from`: waits (up to two minutes) until each has
 * its points and its customer's value was recomputed after it, then reports the rate at which points were
 * credited over the whole span and the lags, in the database's clock (a purchase's transaction start to its
 * ledger row's, and a customer's last purchase to the value recomputed after it).
 */
async function measurePipeline(db: pg.Client, from: Date): Promise<PipelineStats> {
  const ended = Date.now();
  // Fresh statistics for the run's new rows: without them the joins below were planned as nested loops
  // over every purchase an earlier run left in the database and ran for minutes.
  await db.query('ANALYZE purchases, loyalty_ledger, customer_values');
  const pending = async () => {
    const { rows } = await db.query<{ purchases: string; uncredited: string; untiered: string }>(
      `SELECT count(*) AS purchases,
              count(*) FILTER (WHERE l.id IS NULL) AS uncredited,
              count(*) FILTER (WHERE v.computed_at IS NULL OR v.computed_at < p.created_at) AS untiered
         FROM purchases p
         LEFT JOIN loyalty_ledger l ON l.source_type = 'purchase' AND l.source_id = p.id::text AND l.kind = 'earn'
         LEFT JOIN customer_values v ON v.customer_id = p.customer_id
        WHERE p.created_at >= $1`,
      [from],
    );
    return { purchases: Number(rows[0].purchases), left: Number(rows[0].uncredited) + Number(rows[0].untiered) };
  };
  let state = await pending();
  while (state.left > 0 && Date.now() - ended < 120_000) {
    await sleep(250);
    state = await pending();
  }
  const drainedAfterMs = Date.now() - ended;
  const { rows: points } = await db.query<{ lag: number; span: number }>(
    `SELECT extract(epoch FROM l.created_at - p.created_at) * 1000 AS lag,
            extract(epoch FROM max(l.created_at) OVER () - min(p.created_at) OVER ()) AS span
       FROM purchases p JOIN loyalty_ledger l ON l.source_type = 'purchase' AND l.source_id = p.id::text AND l.kind = 'earn'
      WHERE p.created_at >= $1`,
    [from],
  );
  // A customer's value is recomputed once per debounce window, so judge each customer's last purchase.
  const { rows: tiers } = await db.query<{ lag: number | null }>(
    `SELECT extract(epoch FROM v.computed_at - last.at) * 1000 AS lag
       FROM (SELECT customer_id, max(created_at) AS at FROM purchases WHERE created_at >= $1 GROUP BY customer_id) last
       LEFT JOIN customer_values v ON v.customer_id = last.customer_id AND v.computed_at >= last.at`,
    [from],
  );
  const summary = (values: number[]) => {
    const sorted = values.map(Number).sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted.at(-1) ?? 0,
    };
  };
  const tierLags = tiers.map((row) => (row.lag === null ? Infinity : Number(row.lag)));
  return {
    purchases: state.purchases,
    complete: state.left === 0,
    drainedAfterMs,
    creditedPerSecond: points.length / Math.max(0.001, Number(points[0]?.span ?? 0)),
    pointsLagMs: summary(points.map((row) => row.lag)),
    tierLagMs: summary(tierLags),
    tiersWithinOneSecond: tierLags.filter((lag) => lag <= 1000).length / Math.max(1, tierLags.length),
  };
}

function round(stats: LoadStats) {
  const r = (n: number, d = 2) => Number(n.toFixed(d));
  return {
    requestsPerSecond: r(stats.rps, 1),
    latencyMs: {
      mean: r(stats.latencyMs.mean),
      p50: r(stats.latencyMs.p50),
      p95: r(stats.latencyMs.p95),
      p99: r(stats.latencyMs.p99),
      max: r(stats.latencyMs.max),
    },
    requests: stats.requests,
    ok: stats.ok,
    non2xx: stats.non2xx,
    errors: stats.errors,
    timeouts: stats.timeouts,
    seconds: r(stats.seconds, 2),
    statusCodes: stats.statusCodes,
  };
}

async function countCustomers(): Promise<number> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const server = new pg.Client({ connectionString: url.toString() });
  await server.connect();
  try {
    const { rowCount } = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) return -1;
  } finally {
    await server.end();
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string | null }>(
      `SELECT CASE WHEN to_regclass('customers') IS NULL THEN NULL ELSE (SELECT count(*) FROM customers WHERE deleted_at IS NULL) END AS n`,
    );
    return rows[0].n === null ? -1 : Number(rows[0].n);
  } catch {
    return -1;
  } finally {
    await client.end();
  }
}

/** A realistic mix: full names (张伟), surname + first given character (王秀), given names or parts of them (秀英, 伟). */
function searchTerms(names: string[]): string[] {
  const compound = SURNAMES.map(([surname]) => surname).filter((surname) => surname.length > 1);
  const terms: string[] = [];
  names.forEach((name, i) => {
    const surname = compound.find((s) => name.startsWith(s)) ?? name.slice(0, 1);
    const given = name.slice(surname.length);
    if (!given) return;
    const kind = i % 3;
    terms.push(kind === 0 ? name : kind === 1 ? surname + given[0] : given);
  });
  return terms.slice(0, 3000);
}

async function explainSearch(
  db: pg.Client,
  q: string,
): Promise<{ q: string; executionMs: number; usesGinIndex: boolean; plan: string[] }> {
  const statement = listQuery(classifySearch(q, 'CN'), 50);
  let plan: string[] = [];
  for (let i = 0; i < 2; i++) {
    // The second run is reported: the first warms the cache.
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`,
      statement.values,
    );
    plan = rows.map((row) => row['QUERY PLAN']);
  }
  const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan.join('\n'))?.[1] ?? NaN);
  const usesGinIndex = plan.some((line) => line.includes('customers_search_grams_idx'));
  const shape = plan
    .filter((line) => /->|^\S/.test(line) && !/Planning|Execution|Buffers/.test(line))
    .map((line) => line.replace(/\s+\(cost=.*?\)/, '').trimEnd());
  console.log(
    `Search plan for q=${q}: ${fmt.ms(executionMs)}, ${usesGinIndex ? 'uses' : 'does NOT use'} customers_search_grams_idx`,
  );
  for (const line of shape) console.log(`    ${line}`);
  return { q, executionMs, usesGinIndex, plan };
}

async function compareAnswers(
  appUrl: string,
  baselineUrl: string,
  token: string,
  id: string,
  term: string,
): Promise<string[]> {
  const differences: string[] = [];
  for (const [what, pathname] of [
    ['GET /customers/{id}', `/api/v1/customers/${id}`],
    ['GET /customers?q=', `/api/v1/customers?q=${encodeURIComponent(term)}`],
  ] as const) {
    const [a, b] = await Promise.all([
      http<unknown>('GET', appUrl + pathname, undefined, token),
      http<unknown>('GET', baselineUrl + pathname),
    ]);
    if (a.status !== 200 || b.status !== 200)
      differences.push(`${what}: app answered ${a.status}, baseline ${b.status}`);
    else if (!isDeepStrictEqual(a.body, b.body)) {
      const keys = (value: unknown) =>
        JSON.stringify(Object.keys((value as { data?: object[] }).data?.[0] ?? (value as object)));
      differences.push(
        `${what}: app and baseline answers differ (app keys ${keys(a.body)}, baseline keys ${keys(b.body)})`,
      );
    }
  }
  return differences;
}

function printTable(
  rows: { scenario: Scenario; app: LoadStats; baseline: LoadStats; ratio: number; met: boolean; valid: boolean }[],
): void {
  const header = [
    'Scenario',
    'App req/s',
    'Base req/s',
    'App/Base',
    'App p95',
    'Base p95',
    'App p99',
    'Base p99',
    'Target',
    'Met',
  ];
  const body = rows.map(({ scenario, app, baseline, ratio, met, valid }) => [
    scenario.title,
    fmt.int(app.rps),
    fmt.int(baseline.rps),
    fmt.pct(ratio),
    fmt.ms(app.latencyMs.p95),
    fmt.ms(baseline.latencyMs.p95),
    fmt.ms(app.latencyMs.p99),
    fmt.ms(baseline.latencyMs.p99),
    scenario.target.label,
    `${met ? 'yes' : 'NO'}${valid ? '' : ' (errors!)'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 || i >= 8 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(
    `\nResults (${DURATION} s per scenario, ${CONNECTIONS} connections, ${CUSTOMERS.toLocaleString('en')} customers):`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of body) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------

const deadline = setTimeout(() => {
  console.error(`\nTime limit of ${TIMEOUT_MS / 60_000} minutes reached: stopping`);
  void stopAll().finally(() => process.exit(2));
}, TIMEOUT_MS);

main()
  .then(() => {
    clearTimeout(deadline);
  })
  .catch(async (error) => {
    clearTimeout(deadline);
    console.error(`\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAll();
    process.exitCode = 1;
  });
