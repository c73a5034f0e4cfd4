import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { registerJobSchedulers } from '../../infrastructure/queues/job-schedulers.js';
import { QueueName, WebhookDeliveryJob, WebhookRecoveryJob } from '../../infrastructure/queues/queue-names.js';
import { QueuedDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookRecoveryRepository } from './webhook-recovery.repository.js';
import { WebhookRetentionRepository } from './webhook-retention.repository.js';
import { WebhookDeliveryQueue } from './webhook-delivery-queue.js';

const BATCH = 1_000;
const MAX_BATCHES_PER_SWEEP = 20;
// A delivery or an event counts as lost once it is this many sweep periods overdue: longer than the
// fan-out job's own retries (about 2 minutes; its own job on event-subscribers for an event of several
// subscribers, the event's domain-events job otherwise) and than recovering a stalled job (about a minute).
const GRACE_PERIODS = 5;

export interface RecoveryReport {
  fannedOut: number;
  requeued: number;
}

/**
 * The backstop of "at least once": Postgres is the record, and this sweep makes Redis agree with it.
 * It fans out the outbox events that reached no subscribed endpoint (their fan-out job ran out of
 * attempts, say while Postgres was down), and re-queues the pending deliveries whose next attempt is
 * long overdue and which have no live job (Redis lost it, a job stalled out, an operator removed it).
 * Job ids are the usual `<delivery id>-<generation>`, so a job that still exists is never doubled.
 */
@Processor(QueueName.WebhookRecovery)
export class WebhookRecoveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookRecoveryProcessor.name);

  constructor(
    @InjectQueue(QueueName.WebhookRecovery) private readonly queue: Queue<WebhookRecoveryJob>,
    @InjectQueue(QueueName.WebhookDeliveries) private readonly deliveryJobs: Queue<WebhookDeliveryJob>,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly recovery: WebhookRecoveryRepository,
    private readonly retention: WebhookRetentionRepository,
    private readonly deliveryQueue: WebhookDeliveryQueue,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    const repeat = { every: this.config.WEBHOOK_SWEEP_INTERVAL_MS };
    registerJobSchedulers(
      this.queue,
      [
        { id: 'recover-webhook-deliveries', repeat, data: { task: 'recover-deliveries' } },
        { id: 'purge-webhook-history', repeat: { every: 3_600_000 }, data: { task: 'purge-history' } },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(job: Job<WebhookRecoveryJob>): Promise<RecoveryReport | { purgedEvents: number }> {
    if (job.data.task === 'purge-history') return { purgedEvents: await this.purgeHistory() };
    const report = { fannedOut: await this.fanOutMissedEvents(), requeued: await this.requeueLostDeliveries() };
    if (report.fannedOut || report.requeued) this.logger.warn(report, 'recovered webhook deliveries');
    return report;
  }

  /** Events past WEBHOOK_RETENTION_DAYS go with their deliveries and attempt logs, unless a delivery is still pending. */
  async purgeHistory(): Promise<number> {
    let purged = 0;
    for (;;) {
      const events = await this.retention.purgeOlderThan(this.config.WEBHOOK_RETENTION_DAYS, BATCH);
      purged += events;
      if (events < BATCH) return purged;
    }
  }

  private get graceSeconds(): number {
    return (GRACE_PERIODS * this.config.WEBHOOK_SWEEP_INTERVAL_MS) / 1_000;
  }

  async fanOutMissedEvents(): Promise<number> {
    let fannedOut = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP; batch += 1) {
      const events = await this.recovery.uncheckedEvents(this.graceSeconds, BATCH);
      if (!events.length) break;
      const missed = events.filter((event) => event.missing);
      if (missed.length) {
        const due = await this.deliveries.fanOut(missed.map((event) => event.outbox_id));
        await this.deliveryQueue.enqueue(due);
        fannedOut += missed.length;
      }
      await this.recovery.markEventsChecked(events[events.length - 1].outbox_id);
      if (events.length < BATCH) break;
    }
    return fannedOut;
  }

  async requeueLostDeliveries(): Promise<number> {
    let requeued = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP; batch += 1) {
      const overdue = await this.recovery.overdue(this.graceSeconds, BATCH);
      if (!overdue.length) break;
      const lost: QueuedDelivery[] = [];
      for (const delivery of overdue) if (await this.revive(delivery)) lost.push(delivery);
      await this.deliveryQueue.enqueue(lost);
      await this.recovery.postpone(overdue, this.graceSeconds);
      requeued += lost.length;
      if (overdue.length < BATCH) break;
    }
    return requeued;
  }

  /** True when the delivery has no job that will run it: none at all, or one that has finished (failed by stalling, or removed late). */
  private async revive(delivery: QueuedDelivery): Promise<boolean> {
    const jobId = `${delivery.id}-${delivery.generation}`;
    const state = await this.deliveryJobs.getJobState(jobId);
    if (state === 'unknown') return true;
    if (state !== 'failed' && state !== 'completed') return false; // waiting, delayed (parked or backing off), active
    const job = await this.deliveryJobs.getJob(jobId);
    await job?.remove().catch(() => undefined);
    return true;
  }
}
