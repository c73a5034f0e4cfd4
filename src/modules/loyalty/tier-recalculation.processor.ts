import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { registerJobSchedulers } from '../../infrastructure/queues/job-schedulers.js';
import { QueueName, TierRecalcJob } from '../../infrastructure/queues/queue-names.js';
import { LoyaltyRetiredSubscribers, LoyaltySubscribers } from './loyalty.events.js';
import { TierRecalculations } from './tier-recalculations.js';
import { TiersService } from './tiers.service.js';

/**
 * Keeps tiers current: one customer shortly after each purchase or refund (queued by the handlers that
 * earn and reverse its points; a burst is one job, by BullMQ deduplication while the delayed job
 * waits), everyone on a schedule, and on demand.
 */
// Concurrency 16: the customers' jobs running together share one transaction (TiersService.recalculateCustomer).
@Processor(QueueName.TierRecalc, { concurrency: 16 })
export class TierRecalculationProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(TierRecalculationProcessor.name);

  constructor(
    @InjectQueue(QueueName.TierRecalc) private readonly queue: Queue<TierRecalcJob>,
    private readonly tiers: TiersService,
    private readonly handlers: DomainEventHandlers,
    private readonly recalculations: TierRecalculations,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.handlers.retire(LoyaltyRetiredSubscribers.recalculateTier, 'loyalty', (event) =>
      this.recalculations.scheduleCustomer(event.aggregateId, event.type),
    );
    this.handlers.subscribeByReference(LoyaltySubscribers.forgetDeletedCustomer, (event) =>
      this.tiers.forgetCustomer(event.aggregateId),
    );
  }

  onApplicationBootstrap(): void {
    registerJobSchedulers(
      this.queue,
      [
        {
          id: 'nightly-tier-recalculation',
          repeat: { pattern: this.config.TIER_RECALC_CRON },
          data: { kind: 'all', cause: 'schedule' },
        },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(job: Job<TierRecalcJob>): Promise<unknown> {
    if (job.data.kind === 'customer')
      return { changed: await this.tiers.recalculateCustomer(job.data.customerId, job.data.cause) };
    return this.tiers.recalculateAll(job.data.cause, (percent) => job.updateProgress(percent));
  }
}
