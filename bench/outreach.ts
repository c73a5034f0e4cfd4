/**
 * Benchmark: outreach at scale, each figure beside a bare baseline in the same run.
 *
 *   npm run bench:outreach -- [--customers 1000000] [--sends 20000] [--concurrency 50] [--database-url URL]
 *                             [--database crm_bench_outreach] [--only send] [--provider-batch 100]
 *   (or OUTREACH_BENCH_CUSTOMERS / OUTREACH_BENCH_SENDS to scale it down)
 *
 * 1. Campaign launch to a segment of every customer (--customers, seeded set-based: addresses,
 *    consents, opt-outs, birthdays, a last purchase for some): the gated audience selection — the
 *    contact gate's SQL twin over the segment, as the launch runs it — beside the same segment's raw
 *    selection (the customers and their contacts, no gate), both counted; then the whole launch
 *    (LaunchCampaign: selection, gate, control group, messages, history, timeline entries and
 *    recipients in one statement). Targets: gated ≤ 1.5× raw, launch < 30 s.
 * 2. The daily birthday and dormant scans over the same customers (CareScans.run: selection, gate and
 *    writes), beside their audiences' raw counts, then each run again (the steady state: the audience
 *    has had its messages). Twice, with rules of their own: right after the launch, and — the figure —
 *    after a VACUUM and a CHECKPOINT of the launch's messages, as the next day's scan finds them.
 *    Target: < 5 s each.
 * 3. The send pipeline's throughput with rate limits off: a campaign to --sends customers by SMS,
 *    from launch until every message the gate let through is `sent` (dispatcher → BullMQ → worker →
 *    HTTP provider on loopback → status), beside the same number of bare POSTs to the same provider at
 *    the same concurrency on the adapter's client (undici's request(); single POSTs with global fetch
 *    printed too). Run twice: a message a request, then through the provider's batch API
 *    (--provider-batch messages a request, SMS_PROVIDER_BATCH_SIZE), its floor the same batch POSTs.
 *    Target: ≥ 2,000 messages/s. Counted as well as timed (the load cannot
 *    distort counts): the statements the app's Postgres clients sent and the commands its Redis
 *    clients sent in this process (the worker runs here), the database's transactions, and the send
 *    jobs, each per message — the dispatcher's idle polling (every 50 ms) included.
 * Uses its own database (crm_bench_outreach, recreated) and Redis prefix; prints a table and writes
 * bench/results/outreach.json.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Agent, request } from 'undici';
import { AppModule } from '../src/app.module.js';
import { localDate } from '../src/common/time/zoned-time.js';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { customerContactsSql } from '../src/modules/customers/customers.sql.js';
import { contactDecisionSql, GATED_STATEMENT_SETTINGS } from '../src/modules/outreach/contact-gate.sql.js';
import { CareScans } from '../src/modules/outreach/care-scans.js';
import { LaunchCampaign } from '../src/modules/outreach/launch-campaign.js';
import { OutreachRulesRepository } from '../src/modules/outreach/outreach-rules.repository.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { databaseCpuBetween, databaseCpuByProcess } from './database-cpu.js';
import { runConcurrently } from './support.js';
import { seedOutreachCustomers } from './outreach-seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: process.env.OUTREACH_BENCH_CUSTOMERS ?? '1000000' },
    sends: { type: 'string', default: process.env.OUTREACH_BENCH_SENDS ?? '20000' },
    concurrency: { type: 'string', default: '50' },
    'database-url': { type: 'string' },
    // The benchmark's own database, dropped and recreated: another name lets runs beside each other not collide.
    database: { type: 'string', default: 'crm_bench_outreach' },
    // Messages per request to the provider's batch API in part 3's second run.
    'provider-batch': { type: 'string', default: '100' },
    // `send`: only part 3 (the customers are still seeded; the launch and scans are skipped).
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench:outreach -- [--customers 1000000] [--sends 20000] [--concurrency 50] [--database-url URL] [--database crm_bench_outreach] [--only send] [--provider-batch 100]',
  );
  process.exit(0);
}
const CUSTOMERS = Number(args.customers);
const SENDS = Math.min(Number(args.sends), CUSTOMERS);
const CONCURRENCY = Number(args.concurrency);
if (args.only !== undefined && args.only !== 'send') throw new Error(`--only ${args.only}: only "send" is known`);
const SEND_ONLY = args.only === 'send';
const PROVIDER_BATCH = Number(args['provider-batch']);

const server = new URL(
  args['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
const DATABASE = args.database;
if (!/^[a-z_][a-z0-9_]*$/.test(DATABASE)) throw new Error(`--database ${DATABASE}: lower-case letters, digits and _`);
server.pathname = `/${DATABASE}`;
const databaseUrl = server.toString();
const prefix = `bench-outreach-${randomBytes(3).toString('hex')}`;

/** An `Etc/GMT±N` zone where it is now between 10:00 and 17:00, so the quiet hours defer nothing. */
function daytimeZone(now = new Date()): string {
  for (let offset = -12; offset <= 14; offset += 1) {
    const hour = (now.getUTCHours() + offset + 24) % 24;
    if (hour >= 10 && hour <= 17)
      return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  }
  return 'Etc/GMT';
}

/**
 * Counts, from now on, the statements this process's Postgres clients send (all but `exclude`, the
 * bench's own) and the commands its Redis clients send (BullMQ's scripts are one EVALSHA each).
 */
function countAppCalls(exclude: pg.Client): () => { statements: number; redisCommands: number } {
  const counts = { statements: 0, redisCommands: 0 };
  // Wrapped in place: every client created before or after sees the counting methods.
  const query = Reflect.get(pg.Client.prototype, 'query') as (...args: unknown[]) => unknown;
  Reflect.set(pg.Client.prototype, 'query', function (this: pg.Client, ...args: unknown[]) {
    if (this !== exclude) counts.statements += 1;
    return query.apply(this, args);
  });
  const sendCommand = Reflect.get(Redis.prototype, 'sendCommand') as (...args: unknown[]) => unknown;
  Reflect.set(Redis.prototype, 'sendCommand', function (this: Redis, ...args: unknown[]) {
    counts.redisCommands += 1;
    return sendCommand.apply(this, args);
  });
  return () => ({ ...counts });
}

async function transactionsSoFar(db: pg.Client): Promise<number> {
  // Statistics reach pg_stat_database when a backend flushes them (at most a second later).
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const {
    rows: [row],
  } = await db.query(
    `SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database WHERE datname = current_database()`,
  );
  return Number(row.n);
}

async function time<T>(
  work: () => Promise<T>,
  db?: pg.Client,
): Promise<{ seconds: number; result: T; databaseCpuSeconds: number | null }> {
  const cpuBefore = db ? await databaseCpuByProcess(db) : null;
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = db && cpuBefore ? await databaseCpuByProcess(db) : null;
  if (!cpuBefore || !cpuAfter) return { seconds, result, databaseCpuSeconds: null };
  return { seconds, result, databaseCpuSeconds: databaseCpuBetween(cpuBefore, cpuAfter) };
}

/**
 * An SMS provider on loopback that accepts everything at once: POST /messages → 202 {id}, and
 * POST /messages/batch {messages} → 200 {results: [{reference, status: 202, id}]}.
 */
async function startProvider(): Promise<{ url: string; received: () => number; server: Server }> {
  let received = 0;
  let accepted = 0;
  const server = createServer((request, response) => {
    if (!request.url?.endsWith('/batch')) {
      request.resume();
      request.on('end', () => {
        received += 1;
        accepted += 1;
        response.writeHead(202, { 'content-type': 'application/json' }).end(`{"id":"p-${accepted}"}`);
      });
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received += 1;
      const { messages } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: { reference: string }[] };
      const results = messages.map(({ reference }) => ({ reference, status: 202, id: `p-${(accepted += 1)}` }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received: () => received, server };
}

async function campaign(db: pg.Client, name: string, segmentFilter: object, channels: string[]): Promise<string> {
  const {
    rows: [segment],
  } = await db.query(`INSERT INTO segments (name, filter) VALUES ($1, $2) RETURNING id`, [
    name,
    JSON.stringify(segmentFilter),
  ]);
  const {
    rows: [row],
  } = await db.query(
    `INSERT INTO campaigns (name, segment_id, purpose, channels, subject, body, status)
     VALUES ($1, $2, 'marketing', $3, '{{ salutation }}，会员专享', '{{ salutation }}，您的 {{ points }} 积分可抵现。', 'scheduled') RETURNING id`,
    [name, segment.id, channels],
  );
  return row.id;
}

/** Parts 1 and 2: the launch to every customer and the two daily scans, into `results`. */
async function launchAndScans(
  db: pg.Client,
  baseEnv: NodeJS.ProcessEnv,
  results: Record<string, unknown>,
): Promise<void> {
  // 1 and 2: no workers in this process, so nothing is dispatched while the writes are timed.
  const api = await NestFactory.createApplicationContext(
    AppModule.forConfig(loadConfig({ ...baseEnv, PROCESS_ROLE: 'api' })),
    {
      logger: false,
    },
  );
  try {
    const everyone = `c.kind = 'individual'`;
    // Both selections read the consents of the campaign's channels (e-mail, SMS), as the launch does.
    const CAMPAIGN_CONSENTS = ['email', 'sms'] as const;
    const now = new Date();
    // Each selection in a transaction with the settings the app's gated statements run under (JIT off).
    const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
      await db.query('BEGIN');
      try {
        await db.query(GATED_STATEMENT_SETTINGS);
        return await work();
      } finally {
        await db.query('COMMIT');
      }
    };
    // The bare count alone lets the planner drop the contacts (their consents) it does not read; the
    // raw selection counts them, as the gate must read them.
    const idsOnly = await time(() =>
      inTransaction(
        async () =>
          (await db.query(`SELECT count(*)::int AS n FROM (${customerContactsSql(everyone, CAMPAIGN_CONSENTS)}) r`))
            .rows[0].n as number,
      ),
    );
    const selections = async () => {
      const raw = await time(() =>
        inTransaction(
          async () =>
            (
              await db.query(
                `SELECT count(r.consents)::int AS n FROM (${customerContactsSql(everyone, CAMPAIGN_CONSENTS)}) r`,
              )
            ).rows[0].n as number,
        ),
      );
      const gated = await time(() =>
        inTransaction(
          async () =>
            (
              await db.query(
                `SELECT count(*) FILTER (WHERE decision <> 'suppress')::int AS n FROM (${contactDecisionSql({
                  recipients: customerContactsSql(everyone, CAMPAIGN_CONSENTS),
                  purpose: `'marketing'::text`,
                  channels: `ARRAY['email', 'sms']::text[]`,
                  contentKey: `'bench'::text`,
                  now: '$1::timestamptz',
                })}) d`,
                [now],
              )
            ).rows[0].n as number,
        ),
      );
      return { raw, gated };
    };
    // Twice, alternating: the first gated statement on a connection also loads every time zone
    // Postgres lists into the backend's cache (~0.3–0.8 s, once per connection — the app's pooled
    // connections pay it once); the second pair is the figure, the first is printed beside it.
    const cold = await selections();
    const { raw, gated } = await selections();
    const launchId = await campaign(db, 'bench: everyone', { kinds: ['individual'] }, ['email', 'sms']);
    const launch = await time(() => api.get(LaunchCampaign).execute(launchId), db);
    results.launch = {
      idsOnlySelectionSeconds: idsOnly.seconds,
      rawSelectionSeconds: raw.seconds,
      gatedSelectionSeconds: gated.seconds,
      ratio: gated.seconds / raw.seconds,
      firstRun: { rawSelectionSeconds: cold.raw.seconds, gatedSelectionSeconds: cold.gated.seconds },
      audience: raw.result,
      allowed: gated.result,
      launchSeconds: launch.seconds,
      launchDatabaseCpuSeconds: launch.databaseCpuSeconds,
      launchOutcome: launch.result,
    };

    const rules = api.get(OutreachRulesRepository);
    const scans = api.get(CareScans);
    // Each round's rules have their own template, so the second round's messages are not duplicates of the first's.
    const rule = async (trigger: string, delayDays: number, round: string) =>
      (
        await db.query(
          `INSERT INTO outreach_rules (name, trigger, purpose, channels, delay_days, body) VALUES ($1, $1, 'care', ARRAY['sms', 'email'], $2, $3) RETURNING id`,
          [trigger, delayDays, `{{ salutation }}，您好（${round}）`],
        )
      ).rows[0].id as string;
    const day = localDate(now, 'Asia/Shanghai');
    const scanRound = async (round: string) => {
      const scanned: Record<string, unknown> = {};
      for (const [trigger, delayDays, audience] of [
        [
          'birthday',
          0,
          `SELECT count(*)::int AS n FROM customers WHERE deleted_at IS NULL AND to_char(birth_date, 'MM-DD') = to_char($1::date, 'MM-DD')`,
        ],
        [
          'dormant',
          365,
          // Set-based, as the scan selects its audience: the purchases grouped once, not a lookup per customer.
          `SELECT count(*)::int AS n FROM customers c
             JOIN (SELECT customer_id, max(purchased_at) AS last FROM purchases WHERE refunded_at IS NULL GROUP BY customer_id) l
               ON l.customer_id = c.id
            WHERE c.deleted_at IS NULL AND l.last <= $1::date - 365`,
        ],
      ] as const) {
        const row = (await rules.findById(await rule(trigger, delayDays, round)))!;
        const bare = await time(async () => (await db.query(audience, [day])).rows[0].n as number);
        const run = await time(() => scans.run(row, day), db);
        const {
          rows: [recorded],
        } = await db.query(`SELECT matched, created, errors FROM outreach_runs WHERE id = $1`, [run.result]);
        // The same scan again: what a day's scan costs once the audience has had its messages (only the
        // customers new to it are decided — none here).
        const rerun = await time(() => scans.run(row, day));
        scanned[trigger] = {
          scanSeconds: run.seconds,
          scanDatabaseCpuSeconds: run.databaseCpuSeconds,
          rerunSeconds: rerun.seconds,
          rawAudienceSeconds: bare.seconds,
          ratio: run.seconds / bare.seconds,
          audience: bare.result,
          matched: recorded.matched,
          created: recorded.created,
          errors: recorded.errors,
        };
      }
      return scanned;
    };
    // Right after the launch the scans share the machine with its aftermath: a checkpoint writing out the
    // million messages, and their first readers setting hint bits. The next morning's scan meets a
    // settled database — autovacuum has visited the messages and the checkpoint is done — so the scans
    // run again (rules of their own) after a VACUUM and a CHECKPOINT: that round is the figure.
    results.scansAfterLaunch = await scanRound('after the launch');
    const settling = await time(async () => {
      await db.query('VACUUM (ANALYZE) outreach_messages');
      await db.query('CHECKPOINT');
    });
    results.settleSeconds = settling.seconds;
    results.scans = await scanRound('settled');
  } finally {
    await api.close();
  }
}

type Counted = () => { statements: number; redisCommands: number };

/**
 * Part 3 from a clean slate (the launch's million messages would otherwise be sent too): a campaign by
 * SMS to the `bench-send` customers, timed from its launch until every allowed message is `sent`, with
 * the provider's batch API when `providerBatch` is over 1; then its floor, the same requests (single or
 * batch, same bodies) bare on the adapter's client at the same concurrency, and single POSTs with fetch.
 */
async function sendPipeline(
  db: pg.Client,
  baseEnv: NodeJS.ProcessEnv,
  provider: { url: string; received: () => number },
  counted: Counted,
  providerBatch: number,
): Promise<Record<string, unknown>> {
  await db.query(`TRUNCATE campaign_control_group, outreach_message_events, outreach_runs, outreach_messages`);
  const worker = await NestFactory.createApplicationContext(
    AppModule.forConfig(
      loadConfig({
        ...baseEnv,
        PROCESS_ROLE: 'worker',
        DATABASE_POOL_SIZE: '40',
        SMS_PROVIDER_BATCH_SIZE: String(providerBatch),
      }),
    ),
    { logger: false },
  );
  try {
    const sendId = await campaign(db, `bench: send, batches of ${providerBatch}`, { regions: ['bench-send'] }, ['sms']);
    const smsQueue = new Queue(QueueName.OutreachSms, {
      connection: new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null }),
      prefix,
    });
    const jobsDone = async () => {
      const counts = await smsQueue.getJobCounts('completed', 'failed');
      return counts.completed + counts.failed;
    };
    const jobsBefore = await jobsDone();
    const transactionsBefore = await transactionsSoFar(db);
    const callsBefore = counted();
    const before = provider.received();
    const started = performance.now();
    await worker.get(LaunchCampaign).execute(sendId);
    const launchedAfter = (performance.now() - started) / 1000;
    const {
      rows: [{ allowed }],
    } = await db.query(
      `SELECT count(*)::int AS allowed FROM outreach_messages WHERE campaign_id = $1 AND decision <> 'suppress'`,
      [sendId],
    );
    for (;;) {
      const {
        rows: [{ sent }],
      } = await db.query(
        `SELECT count(*)::int AS sent FROM outreach_messages WHERE campaign_id = $1 AND status = 'sent'`,
        [sendId],
      );
      if (sent >= allowed) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pipelineSeconds = (performance.now() - started) / 1000;
    const providerRequests = provider.received() - before;
    const callsAfter = counted();
    const transactions = (await transactionsSoFar(db)) - transactionsBefore;
    const sendJobs = (await jobsDone()) - jobsBefore;
    await smsQueue.close();
    // The floor: the same requests on the same client as the adapter (undici's request() over as many
    // keep-alive connections as the concurrency).
    const message = (index: number) => ({ to: '+8613800000000', text: '您好', reference: `bare-${index}` });
    const bareAgent = new Agent({ connections: CONCURRENCY });
    const post = async (path: string, body: unknown) => {
      const answer = await request(`${provider.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body: JSON.stringify(body),
        dispatcher: bareAgent,
      });
      await answer.body.text();
    };
    const bare =
      providerBatch > 1
        ? await time(() =>
            runConcurrently(Math.ceil(allowed / providerBatch), CONCURRENCY, (batch) =>
              post('/messages/batch', {
                messages: Array.from({ length: Math.min(providerBatch, allowed - batch * providerBatch) }, (_, at) =>
                  message(batch * providerBatch + at),
                ),
              }),
            ),
          )
        : await time(() => runConcurrently(allowed, CONCURRENCY, (index) => post('/messages', message(index))));
    await bareAgent.close();
    // Single POSTs with global fetch, as the adapter sent them before it moved to request().
    const bareFetch = await time(() =>
      runConcurrently(allowed, CONCURRENCY, async (index) => {
        const response = await fetch(`${provider.url}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
          body: JSON.stringify(message(index)),
        });
        await response.text();
      }),
    );
    return {
      providerBatch,
      messages: allowed,
      providerRequests,
      pipelineSeconds,
      pipelinePerSecond: allowed / pipelineSeconds,
      // The launch (deciding and storing the messages) is part of the pipeline; this is the rest.
      launchSeconds: launchedAfter,
      afterLaunchPerSecond: allowed / (pipelineSeconds - launchedAfter),
      barePerSecond: allowed / bare.seconds,
      bareFetchPerSecond: allowed / bareFetch.seconds,
      ratio: allowed / pipelineSeconds / (allowed / bare.seconds),
      perMessage: {
        statements: (callsAfter.statements - callsBefore.statements) / allowed,
        transactions: transactions / allowed,
        redisCommands: (callsAfter.redisCommands - callsBefore.redisCommands) / allowed,
        sendJobs: sendJobs / allowed,
      },
    };
  } finally {
    await worker.close();
  }
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: new URL('/postgres', server).toString() });
  await admin.connect();
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [DATABASE],
  );
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.end();
  const provider = await startProvider();
  const baseEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '20',
    SMS_PROVIDER_URL: provider.url,
    OUTREACH_SMS_PER_SECOND: '0',
    OUTREACH_EMAIL_PER_SECOND: '0',
    OUTREACH_SEND_CONCURRENCY: String(CONCURRENCY),
    OUTREACH_DISPATCH_INTERVAL_MS: '50',
  };
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(loadConfig({ ...baseEnv, PROCESS_ROLE: 'api' }));
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const seeding = await time(() =>
    seedOutreachCustomers(db, { customers: CUSTOMERS, sends: SENDS, timeZone: daytimeZone() }),
  );
  console.log(`seeded ${CUSTOMERS.toLocaleString('en')} customers in ${seeding.seconds.toFixed(0)} s`);
  const results: Record<string, unknown> = {
    customers: CUSTOMERS,
    sends: SENDS,
    concurrency: CONCURRENCY,
    cpus: os.cpus().length,
    loadAverage: os.loadavg(),
    at: new Date().toISOString(),
  };

  if (!SEND_ONLY) await launchAndScans(db, baseEnv, results);

  // 3: the send pipeline, one message a request and then through the provider's batch API.
  const counted = countAppCalls(db);
  try {
    results.send = await sendPipeline(db, baseEnv, provider, counted, 1);
    results.sendBatched = await sendPipeline(db, baseEnv, provider, counted, PROVIDER_BATCH);
  } finally {
    await db.end();
    provider.server.close();
  }

  results.loadAverageAtEnd = os.loadavg();
  console.log(JSON.stringify(results, null, 2));
  const rows: Record<string, { figure: string; ratio: string }> = {};
  if (results.launch) {
    const launch = results.launch as {
      idsOnlySelectionSeconds: number;
      firstRun: { rawSelectionSeconds: number; gatedSelectionSeconds: number };
      ratio: number;
      launchSeconds: number;
      launchDatabaseCpuSeconds: number | null;
      gatedSelectionSeconds: number;
      rawSelectionSeconds: number;
    };
    const scans = results.scans as Record<
      string,
      { scanSeconds: number; scanDatabaseCpuSeconds: number | null; rerunSeconds: number; ratio: number }
    >;
    const cpu = (seconds: number | null) => (seconds === null ? '' : `, database CPU ${seconds.toFixed(1)} s`);
    rows['gated selection vs raw (≤ 1.5×)'] = {
      figure: `${launch.gatedSelectionSeconds.toFixed(2)} s vs ${launch.rawSelectionSeconds.toFixed(2)} s (ids only ${launch.idsOnlySelectionSeconds.toFixed(2)} s; first run ${launch.firstRun.gatedSelectionSeconds.toFixed(2)} s vs ${launch.firstRun.rawSelectionSeconds.toFixed(2)} s)`,
      ratio: launch.ratio.toFixed(2),
    };
    rows['whole launch (< 30 s)'] = {
      figure: `${launch.launchSeconds.toFixed(1)} s (${loadConfig(baseEnv).OUTREACH_BULK_PARTS} parts${cpu(launch.launchDatabaseCpuSeconds)})`,
      ratio: '',
    };
    rows['birthday scan (< 5 s)'] = {
      figure: `${scans.birthday.scanSeconds.toFixed(2)} s (rerun ${scans.birthday.rerunSeconds.toFixed(2)} s${cpu(scans.birthday.scanDatabaseCpuSeconds)})`,
      ratio: scans.birthday.ratio.toFixed(2),
    };
    rows['dormant scan (< 5 s)'] = {
      figure: `${scans.dormant.scanSeconds.toFixed(2)} s (rerun ${scans.dormant.rerunSeconds.toFixed(2)} s${cpu(scans.dormant.scanDatabaseCpuSeconds)})`,
      ratio: scans.dormant.ratio.toFixed(2),
    };
    const afterLaunch = results.scansAfterLaunch as typeof scans;
    rows['scans right after the launch (not settled)'] = {
      figure: `birthday ${afterLaunch.birthday.scanSeconds.toFixed(2)} s, dormant ${afterLaunch.dormant.scanSeconds.toFixed(2)} s${cpu(afterLaunch.dormant.scanDatabaseCpuSeconds)}; then VACUUM + CHECKPOINT ${(results.settleSeconds as number).toFixed(1)} s`,
      ratio: '',
    };
  }
  for (const [key, label] of [
    ['send', 'send pipeline, a message a request'],
    ['sendBatched', `send pipeline, batches of ${PROVIDER_BATCH}`],
  ] as const) {
    const send = results[key] as {
      pipelinePerSecond: number;
      afterLaunchPerSecond: number;
      barePerSecond: number;
      bareFetchPerSecond: number;
      ratio: number;
      perMessage: Record<string, number>;
    };
    rows[`${label} (≥ 2,000/s)`] = {
      figure: `${send.pipelinePerSecond.toFixed(0)}/s vs bare ${send.barePerSecond.toFixed(0)}/s (after the launch: ${send.afterLaunchPerSecond.toFixed(0)}/s; single POSTs with fetch ${send.bareFetchPerSecond.toFixed(0)}/s)`,
      ratio: send.ratio.toFixed(2),
    };
    rows[`${label}: per message (counted)`] = {
      figure: Object.entries(send.perMessage)
        .map(([name, n]) => `${n.toFixed(3)} ${name}`)
        .join(', '),
      ratio: '',
    };
  }
  console.table(rows);
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  // A send-only run keeps the whole run's figures: it writes beside them.
  writeFileSync(
    path.join(root, `bench/results/${SEND_ONLY ? 'outreach-send' : 'outreach'}.json`),
    `${JSON.stringify(results, null, 2)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
