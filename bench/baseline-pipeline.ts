/**
 * The bare pipeline: the least that consuming the bare baseline's purchases takes, with no framework —
 * a process that relays the outbox into a BullMQ queue, credits each purchase's points in one job and
 * recalculates the customer's value and tier in a debounced job, running the application's own SQL
 * (the relay's claim, LoyaltyRepository's account lock, earning reads and ledger append, the outbox
 * insert, TiersRepository's value and tier statements). What the application's worker does besides —
 * one job per subscriber, the webhook fan-out, sales attribution, outreach rules, the start-up checks
 * and Nest around it all — is what the ratio of the two pipelines' rates measures.
 *
 * Environment: DATABASE_URL, REDIS_URL, QUEUE_PREFIX (default crm-bench-bare), PORT (GET /health),
 * POOL_SIZE (default 20), TIER_RECALC_DEBOUNCE_MS, VALUE_WINDOW_MONTHS, OUTBOX_POLL_INTERVAL_MS
 * (the application's defaults).
 */
import 'reflect-metadata';
import http from 'node:http';
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import type { Tx } from '../src/infrastructure/database/transaction-runner.js';
import { POSTGRES_SESSION_OPTIONS } from '../src/infrastructure/database/data-source-options.js';
import { CLAIM_SQL } from '../src/infrastructure/outbox/outbox.relay.js';
import { DEFAULT_JOB_OPTIONS, type DomainEvent } from '../src/infrastructure/queues/queue-names.js';
import { LoyaltyRepository } from '../src/modules/loyalty/loyalty.repository.js';
import { pointsForAmount } from '../src/modules/loyalty/points.js';
import { TiersRepository } from '../src/modules/loyalty/tiers.repository.js';
import { INSERT_OUTBOX } from './app-sql.js';

const config = loadConfig();
const prefix = process.env.QUEUE_PREFIX ?? 'crm-bench-bare';
const port = Number(process.env.PORT ?? 3101);
const pool = new pg.Pool({
  connectionString: config.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 20),
  application_name: 'crm-baseline-pipeline',
  options: POSTGRES_SESSION_OPTIONS,
});
const redis = new URL(config.REDIS_URL);
const connection: ConnectionOptions = {
  host: redis.hostname,
  port: Number(redis.port || 6379),
  maxRetriesPerRequest: null,
};
const BATCH_SIZE = 500;

// The repositories' methods run on the transaction handed to them; they never touch the DataSource.
const loyalty = new LoyaltyRepository(undefined as unknown as DataSource);
const tiers = new TiersRepository(undefined as unknown as DataSource);

interface CustomerTierJob {
  customerId: string;
  cause: string;
}

interface PurchasePayload {
  purchase: { id: string; customerId: string; amount: { amount: string } };
}

/** A pg client as the repositories' `tx`: they only call `query(text, params)` and read the rows. */
async function inTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const tx = { query: async (text: string, params?: unknown[]) => (await client.query(text, params)).rows };
    const result = await work(tx as unknown as Tx);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const events = new Queue<DomainEvent>('bare-events', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
const tierJobs = new Queue<CustomerTierJob>('bare-tier-recalc', {
  connection,
  prefix,
  defaultJobOptions: DEFAULT_JOB_OPTIONS,
});

/** The relay: claim, add, mark published, in one transaction (as OutboxRelay.publishBatch, without the bulk lane). */
async function relayBatch(): Promise<number> {
  return inTransaction(async (tx) => {
    const rows: {
      id: string;
      event_id: string;
      type: string;
      aggregate_type: string;
      aggregate_id: string;
      occurred_at: Date;
    }[] = await tx.query(CLAIM_SQL, ['default', BATCH_SIZE]);
    if (!rows.length) return 0;
    // The app's claim reads ids only (its handlers read the payload when they run); the bare pipeline puts
    // the payload in its jobs, so it reads it here, in the claiming transaction.
    const payloads = new Map<string, Record<string, unknown>>(
      (
        await tx.query(`SELECT id::text, payload FROM outbox WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)])
      ).map((row: { id: string; payload: Record<string, unknown> }) => [row.id, row.payload]),
    );
    await events.addBulk(
      rows.map((row) => ({
        name: row.type,
        data: {
          eventId: row.event_id,
          outboxId: String(row.id),
          type: row.type,
          aggregateType: row.aggregate_type,
          aggregateId: row.aggregate_id,
          occurredAt: row.occurred_at.toISOString(),
          payload: payloads.get(String(row.id))!,
        },
        opts: { jobId: row.event_id },
      })),
    );
    await tx.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
    return rows.length;
  });
}

/** PurchasePointsHandler.earn, bare: the same statements in the same order. */
async function earn(event: DomainEvent): Promise<void> {
  const { purchase } = event.payload as unknown as PurchasePayload;
  await tierJobs.add(
    'customer',
    { customerId: event.aggregateId, cause: event.type },
    {
      delay: config.TIER_RECALC_DEBOUNCE_MS,
      deduplication: { id: `customer:${event.aggregateId}`, ttl: config.TIER_RECALC_DEBOUNCE_MS },
    },
  );
  await inTransaction(async (tx) => {
    const { customerId, balance } = await loyalty.lockAccountOfPurchase(tx, purchase.id, purchase.customerId);
    const facts = await loyalty.purchaseEarningFacts(tx, purchase.id, customerId);
    if (facts.customerNow && facts.customerNow !== customerId) throw new Error('purchase moved: retried');
    if (facts.refunded) return;
    if (facts.pointsPerUnit === null) throw new Error('no loyalty_settings row: start the application once first');
    const points = pointsForAmount(purchase.amount.amount, facts.pointsPerUnit, facts.multiplier);
    if (points <= 0) return;
    if (await loyalty.findEntry(tx, 'purchase', purchase.id, 'earn')) return;
    const entry = await loyalty.append(
      tx,
      { customerId, kind: 'earn', points, sourceType: 'purchase', sourceId: purchase.id, actorType: 'system' },
      balance + points,
    );
    await tx.query(INSERT_OUTBOX, ['loyalty.points_earned', 'customer', customerId, JSON.stringify({ entry })]);
  });
}

const eventWorker = new Worker<DomainEvent>(
  'bare-events',
  async (job) => {
    if (job.data.type === 'purchase.recorded') await earn(job.data);
  },
  { connection, prefix, concurrency: 64 },
);
const tierWorker = new Worker<CustomerTierJob>(
  'bare-tier-recalc',
  (job) =>
    inTransaction(async (tx) => {
      const valued = await tiers.computeValuesOfCustomersOrSurvivors(
        tx,
        [job.data.customerId],
        config.VALUE_WINDOW_MONTHS,
      );
      if (valued.size) await tiers.applyTiersOf(tx, [...valued.values()], job.data.cause);
    }),
  { connection, prefix, concurrency: 16 },
);
for (const worker of [eventWorker, tierWorker]) worker.on('error', (error) => console.error(error.message));

let running = true;
const relayed = (async () => {
  while (running) {
    const published = await relayBatch().catch((error: Error) => {
      console.error(`relay: ${error.message}`);
      return 0;
    });
    if (published < BATCH_SIZE) await new Promise((resolve) => setTimeout(resolve, config.OUTBOX_POLL_INTERVAL_MS));
  }
})();

const server = http.createServer((request, response) => {
  response.writeHead(request.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  response.end('{"status":"ok"}');
});
server.listen(port, '127.0.0.1', () => console.log(`bare pipeline ready (health on http://127.0.0.1:${port}/health)`));

const shutdown = () => {
  running = false;
  server.close();
  setTimeout(() => process.exit(0), 5000).unref();
  void relayed
    .then(() => Promise.all([eventWorker.close(), tierWorker.close()]))
    .then(() => Promise.all([events.close(), tierJobs.close(), pool.end()]))
    .finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
