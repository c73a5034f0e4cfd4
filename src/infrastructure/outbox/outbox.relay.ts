import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DEFAULT_JOB_OPTIONS, DomainEventJob, EventSubscriberJob, QueueName } from '../queues/queue-names.js';
import { isPostgresQueueConnection, queueConnection } from '../queues/queue-connection.js';
import { DomainEventHandlers } from './domain-event-handlers.js';
import type { OutboxLane } from './outbox.writer.js';
import { type SubscriberJob, subscriberJobsOf } from './subscriber-jobs.js';

interface OutboxRow {
  id: string;
  event_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  occurred_at: Date;
  lane: OutboxLane;
}

interface EventJob {
  name: string;
  data: DomainEventJob;
  opts: { jobId: string; priority?: number };
}

const BATCH_SIZE = 500;
const PUBLISH_TIMEOUT_MS = 5_000;
/** BullMQ runs jobs without a priority before any prioritized job, so bulk events queue behind ordinary ones in Redis too. */
const BULK_JOB_PRIORITY = 10;

/**
 * Moves committed outbox rows into BullMQ: an event of several subscribers as one job per subscriber on
 * the event-subscribers queue (job id `<event id>.<subscriber>`), any other event as one job on the
 * domain-events queue (job id = event id), whose processor runs its one subscriber. Rows are claimed with
 * FOR UPDATE SKIP LOCKED, so relays on several workers share the work and never publish one row
 * twice; a row is marked published only in the transaction that claimed it, after BullMQ accepted
 * them all. While Redis is down the publish fails fast, the transaction rolls back and the rows wait.
 * Job ids derive from the event id, so even a publish whose commit is lost (or that reached one queue
 * and not the other) is not queued twice.
 * A job carries the row's ids, not its payload: no personal data in Redis, and the handlers read the
 * payload as the row holds it when they run (redacted, if the customer was erased meanwhile).
 *
 * Each batch takes ordinary events first and fills up with bulk ones (lane 'bulk'), which are also
 * queued at a lower BullMQ priority: a million tier changes of a full recalculation drain behind
 * a purchase's events instead of in front of them.
 */
/** $1: the lane, $2: how many. Exported for the test that checks its plan. */
export const CLAIM_SQL = `SELECT id, event_id, type, aggregate_type, aggregate_id, occurred_at, lane
  FROM outbox WHERE published_at IS NULL AND lane = $1 ORDER BY published_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`;

@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private queue?: Queue<DomainEventJob>;
  private subscriberQueue?: Queue<EventSubscriberJob>;
  private connection?: Redis;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly handlers: DomainEventHandlers,
  ) {}

  onApplicationBootstrap(): void {
    const connection = queueConnection(this.config);
    if (!isPostgresQueueConnection(connection)) {
      this.connection = new Redis(connection);
      this.connection.on('error', () => undefined); // the relay logs failed publishes itself
    }
    const options = {
      connection: (this.connection ?? connection) as ConnectionOptions,
      prefix: this.config.QUEUE_PREFIX,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    };
    this.queue = new Queue<DomainEventJob>(QueueName.DomainEvents, options);
    this.subscriberQueue = new Queue<EventSubscriberJob>(QueueName.EventSubscribers, options);
    for (const queue of [this.queue, this.subscriberQueue]) queue.on('error', () => undefined);
    this.running = true;
    this.loop = this.run();
  }

  /** Runs before the database and Redis connections close, so the last batch finishes cleanly. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.queue?.close().catch(() => undefined);
    await this.subscriberQueue?.close().catch(() => undefined);
    this.connection?.disconnect();
  }

  /** Publishes one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const rows: OutboxRow[] = await this.claim(tx, 'default', BATCH_SIZE);
      if (rows.length < BATCH_SIZE) rows.push(...(await this.claim(tx, 'bulk', BATCH_SIZE - rows.length)));
      if (!rows.length) return 0;
      const { events, subscriberJobs } = this.jobsOf(rows);
      await withTimeout(
        Promise.all([
          events.length ? this.queue!.addBulk(events) : undefined,
          subscriberJobs.length ? this.subscriberQueue!.addBulk(subscriberJobs) : undefined,
        ]),
        PUBLISH_TIMEOUT_MS,
      );
      await tx.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [
        rows.map((row) => row.id),
      ]);
      return rows.length;
    });
  }

  /**
   * The jobs that publish these rows. The subscribers of an event of several are the ones this process
   * registered (every module's, as in any process that runs workers); adding their jobs here rather
   * than in a domain-events job that only adds them saves that job — one add, one take and one finish
   * per event.
   */
  private jobsOf(rows: OutboxRow[]): { events: EventJob[]; subscriberJobs: SubscriberJob[] } {
    const events: EventJob[] = [];
    const subscriberJobs: SubscriberJob[] = [];
    for (const row of rows) {
      const event: DomainEventJob = {
        eventId: row.event_id,
        outboxId: String(row.id),
        type: row.type,
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
        occurredAt: row.occurred_at.toISOString(),
      };
      const priority = row.lane === 'bulk' ? BULK_JOB_PRIORITY : undefined;
      const subscribers = this.handlers.matching(row.type).map(({ subscriber }) => subscriber.name);
      if (subscribers.length > 1) subscriberJobs.push(...subscriberJobsOf(event, subscribers, priority));
      else
        events.push({ name: row.type, data: event, opts: { jobId: row.event_id, ...(priority ? { priority } : {}) } });
    }
    return { events, subscriberJobs };
  }

  /**
   * The oldest unpublished rows of a lane not claimed by another relay. Ordered by (published_at, id)
   * — all NULL, so by id — because only outbox_unpublished_order_idx gives that order: with
   * `ORDER BY id` the planner could walk the primary key past every published row (see the migration).
   */
  private claim(tx: EntityManager, lane: OutboxLane, limit: number): Promise<OutboxRow[]> {
    return tx.query(CLAIM_SQL, [lane, limit]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const published = await this.publishBatch();
        failures = 0;
        if (published === BATCH_SIZE) continue;
        await this.sleep(this.config.OUTBOX_POLL_INTERVAL_MS);
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 50 === 0)
          this.logger.warn({ err: error, failures }, 'outbox relay could not publish; will retry');
        await this.sleep(Math.min(5_000, this.config.OUTBOX_POLL_INTERVAL_MS * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`publish timed out after ${ms} ms`)), ms);
    }),
  ]);
}
