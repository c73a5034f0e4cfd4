import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { QueueName, TierRecalcJob } from '../../infrastructure/queues/queue-names.js';

/** Queues one customer's value and tier recalculation on the tier-recalc queue (TierRecalculationProcessor). */
@Injectable()
export class TierRecalculations {
  constructor(
    @InjectQueue(QueueName.TierRecalc) private readonly queue: Queue<TierRecalcJob>,
    private readonly config: AppConfig,
  ) {}

  /**
   * Shortly (TIER_RECALC_DEBOUNCE_MS) after the call, once for a burst: BullMQ drops a second job for
   * the same customer while the first still waits.
   */
  async scheduleCustomer(customerId: string, cause: string): Promise<void> {
    await this.queue.add(
      'customer',
      { kind: 'customer', customerId, cause },
      {
        delay: this.config.TIER_RECALC_DEBOUNCE_MS,
        deduplication: { id: `customer:${customerId}`, ttl: this.config.TIER_RECALC_DEBOUNCE_MS },
      },
    );
  }
}
