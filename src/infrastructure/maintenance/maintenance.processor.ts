import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { registerJobSchedulers } from '../queues/job-schedulers.js';
import { MaintenanceJob, QueueName } from '../queues/queue-names.js';

const PURGE_BATCH = 5_000;

/**
 * Scheduled housekeeping. The schedule is a BullMQ job scheduler, so however many workers register
 * it, one job runs per period.
 */
@Processor(QueueName.Maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<MaintenanceJob>,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    super();
  }

  private readonly logger = new Logger(MaintenanceProcessor.name);

  onApplicationBootstrap(): void {
    const hourly = { every: 3_600_000 };
    registerJobSchedulers(
      this.queue,
      [
        { id: 'purge-idempotency-keys', repeat: hourly, data: { task: 'purge-idempotency-keys' } },
        { id: 'purge-outbox', repeat: hourly, data: { task: 'purge-outbox' } },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(job: Job<MaintenanceJob>): Promise<{ purged: number }> {
    switch (job.data.task) {
      case 'purge-idempotency-keys':
        return { purged: await this.purgeIdempotencyKeys() };
      case 'purge-outbox':
        return { purged: await this.purgeOutbox(this.config.OUTBOX_RETENTION_DAYS) };
    }
  }

  /** Idempotency keys are promised for 24 hours; older ones go, in batches so no lock is held long. */
  async purgeIdempotencyKeys(): Promise<number> {
    let purged = 0;
    for (;;) {
      const [, count] = await this.dataSource.query(
        `DELETE FROM idempotency_keys WHERE ctid IN (
           SELECT ctid FROM idempotency_keys WHERE created_at < now() - interval '24 hours' LIMIT ${PURGE_BATCH})`,
      );
      purged += count;
      if (count < PURGE_BATCH) return purged;
    }
  }

  /**
   * Published events older than the retention go, oldest first along the primary key: each batch
   * looks only at the oldest rows, and the walk stops at the first batch with nothing to remove.
   * Unpublished rows are never removed, however old.
   */
  async purgeOutbox(retentionDays: number): Promise<number> {
    let purged = 0;
    for (;;) {
      const [, count] = await this.dataSource.query(
        `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ${PURGE_BATCH})
           AND published_at < now() - make_interval(days => $1)`,
        [retentionDays],
      );
      purged += count;
      if (count === 0) return purged;
    }
  }
}
