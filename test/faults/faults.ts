import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../bench/support.js';
import { ServerProcess, sleep, until } from '../support/processes.js';
import { PrivatePostgres, PrivateRedis } from './private-services.js';

// npm run test:faults — the deployed shape (one PROCESS_ROLE=api and one PROCESS_ROLE=worker process,
// built from dist/) on a PostgreSQL cluster and a Redis server of this suite's own, under a steady
// writer of purchases (and a few service requests), through three faults:
//   redis-outage      Redis killed (its data lost, as a node without persistence) for 30 s
//   postgres-restarts PostgreSQL stopped (fast) and started again, twice
//   worker-kill       the worker SIGKILLed in the middle of a burst, then started again
// and checks that writes keep succeeding (or are 503, never another 5xx, while the database is gone),
// that the outbox drains, that every purchase earned its points exactly once, that every ledger sums
// to its balance, and that job schedulers and SLA alarms exist again after Redis lost them.
// Prints a table and exits 1 on any violation.
//
//   FAULTS_REDIS_OUTAGE_S=30   how long Redis stays down
//   FAULTS_RECOVERY_S=120      how long recovery (drain, points, schedules, alarms) may take per scenario
//   FAULTS_ONLY=worker-kill    run only the scenarios named (comma-separated)
//   FAULTS_KEEP=1              keep the temporary directory (server, Postgres and Redis logs)

const REDIS_OUTAGE_MS = Number(process.env.FAULTS_REDIS_OUTAGE_S ?? 30) * 1000;
const RECOVERY_MS = Number(process.env.FAULTS_RECOVERY_S ?? 120) * 1000;
const ONLY = new Set((process.env.FAULTS_ONLY ?? 'redis-outage,postgres-restarts,worker-kill').split(','));
const WRITERS = 5;
const WRITE_PAUSE_MS = 200; // 5 writers × one write per ~200 ms ≈ 25 writes/s, as the probe's

interface Outcome {
  scenario: string;
  writes: number;
  acknowledged: number;
  serverErrors: number;
  unavailable: number;
  otherFailures: number;
  lost: number;
  doubled: number;
  recoverySeconds: number;
  violations: string[];
}

const workDir = mkdtempSync(join(tmpdir(), 'crm-faults-'));
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let apiPort = 0;
let token = '';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP call; a connection error or timeout is status 0. */
function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: apiPort,
        method,
        path: `/api/v1${path}`,
        agent,
        timeout: 15_000,
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // an empty or non-JSON body
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', () => resolve({ status: 0, body: {} }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: {} }));
    req.end(payload);
  });
}

/** Purchases (and every tenth write a service request) from a few concurrent writers, tagged with the scenario. */
class SteadyWriter {
  private running = false;
  private loops: Promise<void>[] = [];
  writes = 0;
  acknowledged = 0;
  serverErrors = 0;
  unavailable = 0;
  otherFailures = 0;
  readonly acknowledgedKeys: string[] = [];
  readonly statuses = new Map<number, number>();

  constructor(
    private readonly scenario: string,
    private readonly customers: string[],
    private readonly concurrency = WRITERS,
    private readonly pauseMs = WRITE_PAUSE_MS,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.concurrency }, (_, writer) => this.loop(writer));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(writer: number): Promise<void> {
    let count = 0;
    while (this.running) {
      count += 1;
      const key = randomUUID();
      const customerId = this.customers[(writer * 7 + count) % this.customers.length];
      const serviceRequest = count % 10 === 0;
      // As a careful client does: a 503 or a lost answer is retried with the same Idempotency-Key, so a
      // write whose commit happened but whose answer was lost must not be stored twice.
      for (let attempt = 1; attempt <= 5; attempt++) {
        const answer = serviceRequest
          ? await call(
              'POST',
              '/service-requests',
              { customerId, type: 'repair', severity: 'normal', subject: `故障 ${key}`, region: '上海' },
              { 'idempotency-key': key },
            )
          : await call(
              'POST',
              `/customers/${customerId}/purchases`,
              {
                product: '家用净水器 X3',
                amount: { amount: `${10 + (count % 490)}.00`, currency: 'CNY' },
                paymentMethod: 'wechat_pay',
                channel: `faults:${this.scenario}`,
                notes: key,
              },
              { 'idempotency-key': key },
            );
        this.writes += 1;
        this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 200 && answer.status < 300) {
          this.acknowledged += 1;
          if (!serviceRequest) this.acknowledgedKeys.push(key);
        } else if (answer.status === 503) this.unavailable += 1;
        else if (answer.status >= 500) this.serverErrors += 1;
        else this.otherFailures += 1;
        if ((answer.status !== 503 && answer.status !== 0) || !this.running) break;
        await sleep(500);
      }
      if (this.pauseMs) await sleep(this.pauseMs);
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`faults: working in ${workDir}`);
  const postgres = new PrivatePostgres(await freePort(), workDir);
  const redis = new PrivateRedis(await freePort(), workDir);
  apiPort = await freePort();
  const workerPort = await freePort();
  const queuePrefix = 'faults';
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: queuePrefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: 'admin@faults.local',
    ADMIN_PASSWORD: 'faults-admin-password',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '10',
    TIER_RECALC_DEBOUNCE_MS: '300',
  };
  const api = new ServerProcess('api', apiPort, { ...env, PROCESS_ROLE: 'api' }, join(workDir, 'api.log'));
  const worker = new ServerProcess(
    'worker',
    workerPort,
    { ...env, PROCESS_ROLE: 'worker' },
    join(workDir, 'worker.log'),
  );
  const outcomes: Outcome[] = [];
  let db: pg.Pool | undefined;
  const queues: Queue[] = [];
  let failed = false;
  try {
    postgres.init();
    await postgres.start();
    await redis.start();
    await api.start(120_000);
    await worker.start(120_000);
    db = new pg.Pool({ connectionString: postgres.url, max: 2 });
    db.on('error', () => undefined);
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null, enableOfflineQueue: true };
    for (const name of ['tier-recalc', 'loyalty', 'maintenance', 'webhook-recovery', 'service-sla']) {
      const queue = new Queue(name, { connection, prefix: queuePrefix });
      queue.on('error', () => undefined);
      queues.push(queue);
    }

    token = (await call('POST', '/auth/login', { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD })).body
      .accessToken as string;
    const customers: string[] = [];
    for (let index = 0; index < 20; index++) {
      const created = await call('POST', '/customers', { kind: 'individual', name: `故障客户 ${index}` });
      if (created.status !== 201)
        throw new Error(`could not create a customer: ${created.status} ${JSON.stringify(created.body)}`);
      customers.push(created.body.id as string);
    }
    console.log(
      `faults: api (pid ${api.pid}) and worker (pid ${worker.pid}) up after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const database = db;
    const schedulers = async () =>
      (
        await Promise.all(
          queues.map(async (queue) =>
            (await queue.getJobSchedulers()).map((scheduler) => `${queue.name}/${scheduler.key}`),
          ),
        )
      )
        .flat()
        .sort();
    // An alarm's job id is <request>.<clock>.<stage>.<deadline>; the queue also holds the next run of the
    // SLA sweep's job scheduler (repeat:…), whose id changes when the scheduler is created again.
    const slaAlarms = async () =>
      (await queues[4].getDelayed(0, -1))
        .map((job) => job.id ?? '')
        .filter((id) => /^[0-9a-f-]{36}\./.test(id))
        .sort();
    await until(async () => (await schedulers()).length >= 4, 30_000, 'the job schedulers of a fresh start');

    // --- redis-outage --------------------------------------------------------------------------------
    if (ONLY.has('redis-outage')) {
      const writer = new SteadyWriter('redis-outage', customers);
      writer.start();
      await sleep(5_000);
      await until(async () => (await slaAlarms()).length > 0, 30_000, 'SLA alarms for the first service requests');
      const schedulesBefore = await schedulers();
      const alarmsBefore = await slaAlarms();
      console.log(
        `faults: redis-outage: killing Redis (${schedulesBefore.length} schedulers, ${alarmsBefore.length} SLA alarms) for ${REDIS_OUTAGE_MS / 1000} s`,
      );
      const duringBefore = {
        writes: writer.writes,
        serverErrors: writer.serverErrors,
        unavailable: writer.unavailable,
        other: writer.otherFailures,
      };
      await redis.kill();
      await sleep(REDIS_OUTAGE_MS);
      const during = {
        writes: writer.writes - duringBefore.writes,
        failed:
          writer.serverErrors +
          writer.unavailable +
          writer.otherFailures -
          duringBefore.serverErrors -
          duringBefore.unavailable -
          duringBefore.other,
      };
      await redis.start();
      await sleep(5_000);
      await writer.stop();
      const outcome = await judge('redis-outage', writer, database);
      if (during.failed)
        outcome.violations.push(`${during.failed} of ${during.writes} writes failed while Redis was down`);
      const missingSchedules = await waitForSubset('job schedulers', schedulesBefore, schedulers);
      if (missingSchedules.length)
        outcome.violations.push(
          `job schedulers not back after ${RECOVERY_MS / 1000} s: ${missingSchedules.join(', ')}`,
        );
      const missingAlarms = await waitForSubset('SLA alarms', alarmsBefore, slaAlarms);
      if (missingAlarms.length) {
        // Which alarms, and what Redis holds for the same request now (a different deadline in the id?).
        const now = await slaAlarms();
        const shown = missingAlarms
          .slice(0, 3)
          .map(
            (id) => `${id} (now: ${now.filter((other) => other.startsWith(id.split('.')[0])).join(', ') || 'none'})`,
          );
        outcome.violations.push(
          `${missingAlarms.length} of ${alarmsBefore.length} SLA alarms not back after ${RECOVERY_MS / 1000} s: ${shown.join('; ')}`,
        );
      }
      outcomes.push(outcome);
    }

    // --- postgres-restarts ---------------------------------------------------------------------------
    if (ONLY.has('postgres-restarts')) {
      const writer = new SteadyWriter('postgres-restarts', customers);
      writer.start();
      for (const round of [1, 2]) {
        await sleep(5_000);
        console.log(`faults: postgres-restarts: stopping PostgreSQL (${round} of 2)`);
        postgres.stop();
        await sleep(4_000);
        await postgres.start();
      }
      await sleep(8_000);
      await writer.stop();
      const outcome = await judge('postgres-restarts', writer, database);
      if (!writer.unavailable)
        outcome.violations.push('no write saw a 503 while PostgreSQL was down (did the outage happen?)');
      outcomes.push(outcome);
    }

    // --- worker-kill ---------------------------------------------------------------------------------
    if (ONLY.has('worker-kill')) {
      // A burst: 10 writers without the steady pace, ~4 s; the worker dies 2 s in, with jobs in hand.
      const writer = new SteadyWriter('worker-kill', customers, 10, 20);
      writer.start();
      await sleep(2_000);
      console.log(
        `faults: worker-kill: SIGKILL to the worker (pid ${worker.pid}) after ${writer.writes} writes of the burst`,
      );
      await worker.stop('SIGKILL');
      await sleep(2_000);
      await writer.stop();
      await worker.start(120_000);
      outcomes.push(await judge('worker-kill', writer, database));
    }
    for (const [server, name] of [
      [api, 'api'],
      [worker, 'worker'],
    ] as const) {
      const unexpected = server.exits.filter((exit) => exit.signal !== 'SIGKILL');
      if (unexpected.length && outcomes.length)
        outcomes[outcomes.length - 1].violations.push(
          `the ${name} process exited on its own (${JSON.stringify(unexpected)})`,
        );
    }

    // Every ledger, whatever wrote to it, sums to its balance.
    const mismatched = (
      await database.query(`
      SELECT count(*)::int AS n FROM loyalty_accounts a
      LEFT JOIN (SELECT customer_id, sum(points) AS total FROM loyalty_ledger GROUP BY customer_id) l USING (customer_id)
      WHERE a.balance <> coalesce(l.total, 0)`)
    ).rows[0].n as number;
    if (mismatched && outcomes.length)
      outcomes[outcomes.length - 1].violations.push(
        `${mismatched} loyalty accounts whose ledger does not sum to the balance`,
      );
  } catch (error) {
    console.error('faults: could not run:', error);
    failed = true;
  } finally {
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    await db?.end().catch(() => undefined);
    await api.stop();
    await worker.stop();
    await redis.kill();
    postgres.destroy();
    agent.destroy();
  }

  console.log('\nfault figures');
  console.table(
    outcomes.map((outcome) => ({
      scenario: outcome.scenario,
      writes: outcome.writes,
      acknowledged: outcome.acknowledged,
      '5xx': outcome.serverErrors + outcome.unavailable,
      'of which 503': outcome.unavailable,
      lost: outcome.lost,
      doubled: outcome.doubled,
      'drained in s': outcome.recoverySeconds,
      verdict: outcome.violations.length ? 'FAIL' : 'ok',
    })),
  );
  for (const outcome of outcomes)
    for (const violation of outcome.violations) console.log(`${outcome.scenario}: ${violation}`);
  const violated = failed || outcomes.length < ONLY.size || outcomes.some((outcome) => outcome.violations.length);
  console.log(
    violated
      ? `\nFAULTS FAILED after ${Math.round((Date.now() - started) / 1000)} s; logs in ${workDir}`
      : `\nfaults passed in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  if (!violated && !process.env.FAULTS_KEEP) rmSync(workDir, { recursive: true, force: true });
  process.exitCode = violated ? 1 : 0;

  /** Waits until every expected item is present again; returns those still missing at the deadline. */
  async function waitForSubset(what: string, expected: string[], current: () => Promise<string[]>): Promise<string[]> {
    let missing = expected;
    await until(
      async () => {
        const now = new Set(await current());
        missing = expected.filter((item) => !now.has(item));
        return missing.length === 0;
      },
      RECOVERY_MS,
      what,
      1_000,
    ).catch(() => undefined);
    return missing;
  }
}

/**
 * After a scenario: waits (up to the recovery time) for the outbox to drain and for every purchase of the
 * scenario to have earned; then counts what was lost (acknowledged but not stored, or stored but never
 * earned) and doubled (one write stored twice, or a purchase that earned twice).
 */
async function judge(scenario: string, writer: SteadyWriter, db: pg.Pool): Promise<Outcome> {
  const channel = `faults:${scenario}`;
  const violations: string[] = [];
  const unearned = async () =>
    (
      await db.query(
        `SELECT count(*)::int AS n FROM purchases p WHERE p.channel = $1 AND NOT EXISTS (SELECT 1 FROM loyalty_ledger l WHERE l.source_type = 'purchase' AND l.source_id = p.id::text AND l.kind = 'earn')`,
        [channel],
      )
    ).rows[0].n as number;
  const unpublished = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)).rows[0].n as number;
  const waitStarted = Date.now();
  const settled = await until(
    async () => (await unpublished()) === 0 && (await unearned()) === 0,
    RECOVERY_MS,
    `${scenario}: the outbox to drain and every purchase to earn`,
    1_000,
  ).then(
    () => true,
    () => false,
  );
  const recoverySeconds = Math.round((Date.now() - waitStarted) / 1000);
  const left = await unpublished();
  if (left) {
    const sample = await db.query(
      `SELECT type, lane, round(extract(epoch FROM now() - occurred_at))::int AS age_s FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 5`,
    );
    violations.push(
      `${left} outbox events still unpublished after ${RECOVERY_MS / 1000} s, e.g. ${sample.rows.map((row) => `${row.type} (${row.lane}, ${row.age_s} s old)`).join(', ')}`,
    );
  }

  const stored = await db.query(`SELECT notes, count(*)::int AS n FROM purchases WHERE channel = $1 GROUP BY notes`, [
    channel,
  ]);
  const storedCount = new Map<string, number>(stored.rows.map((row) => [row.notes as string, row.n as number]));
  const notStored = writer.acknowledgedKeys.filter((key) => !storedCount.has(key)).length;
  const storedTwice = [...storedCount.values()].filter((n) => n > 1).length;
  const neverEarned = await unearned();
  const earnedTwice = (
    await db.query(
      `
    SELECT count(*)::int AS n FROM (
      SELECT l.source_id FROM loyalty_ledger l JOIN purchases p ON p.id::text = l.source_id
      WHERE p.channel = $1 AND l.source_type = 'purchase' AND l.kind = 'earn' GROUP BY l.source_id HAVING count(*) > 1) twice`,
      [channel],
    )
  ).rows[0].n as number;
  const lost = notStored + neverEarned;
  const doubled = storedTwice + earnedTwice;
  if (notStored) violations.push(`${notStored} acknowledged purchases are not in the database`);
  if (neverEarned)
    violations.push(
      `${neverEarned} purchases never earned their points${settled ? '' : ` (waited ${RECOVERY_MS / 1000} s)`}`,
    );
  if (storedTwice) violations.push(`${storedTwice} writes stored twice`);
  if (earnedTwice) violations.push(`${earnedTwice} purchases earned twice`);
  if (writer.serverErrors) violations.push(`${writer.serverErrors} answers were 5xx other than 503`);
  console.log(
    `faults: ${scenario}: ${writer.writes} writes, statuses ${[...writer.statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ')}`,
  );
  return {
    scenario,
    writes: writer.writes,
    acknowledged: writer.acknowledged,
    serverErrors: writer.serverErrors,
    unavailable: writer.unavailable,
    otherFailures: writer.otherFailures,
    lost,
    doubled,
    recoverySeconds,
    violations,
  };
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
