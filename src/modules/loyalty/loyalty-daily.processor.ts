import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { registerJobSchedulers } from '../../infrastructure/queues/job-schedulers.js';
import { LoyaltyDailyJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { LoyaltyDailyRepository } from './loyalty-daily.repository.js';
import { LoyaltySettingsService } from './loyalty-settings.service.js';

const BATCH_SIZE = 50_000;

/** Every day: expire points older than the months in the loyalty settings (oldest first), and give birthday rewards. */
@Processor(QueueName.Loyalty)
export class LoyaltyDailyProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(LoyaltyDailyProcessor.name);

  constructor(
    @InjectQueue(QueueName.Loyalty) private readonly queue: Queue<LoyaltyDailyJob>,
    private readonly daily: LoyaltyDailyRepository,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
    private readonly settings: LoyaltySettingsService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    const repeat = { pattern: this.config.LOYALTY_DAILY_CRON };
    const schedules = (['expire-points', 'birthday-rewards'] as const).map((task) => ({
      id: task,
      repeat,
      data: { task },
    }));
    registerJobSchedulers(this.queue, schedules, this.logger, this.config.SCHEDULE_REASSERT_INTERVAL_MS);
  }

  async process(job: Job<LoyaltyDailyJob>): Promise<unknown> {
    const day = job.data.on ?? new Date().toISOString().slice(0, 10);
    return job.data.task === 'expire-points'
      ? { expired: await this.expirePoints(day) }
      : { rewarded: await this.birthdayRewards(day) };
  }

  async expirePoints(day: string): Promise<number> {
    const { pointsExpireMonths } = await this.settings.current();
    const cutoff = new Date(`${day}T00:00:00Z`);
    cutoff.setUTCMonth(cutoff.getUTCMonth() - pointsExpireMonths);
    let expired = 0;
    for (let afterId: string | null = null; ;) {
      const upToId = await this.daily.accountBatchUpperBound(afterId, BATCH_SIZE);
      const batchAfter = afterId;
      expired += await this.transactions.run((tx) => this.daily.expire(tx, cutoff, day, batchAfter, upToId));
      if (!upToId) return expired;
      afterId = upToId;
    }
  }

  async birthdayRewards(day: string): Promise<number> {
    const { birthdayPoints } = await this.settings.current();
    if (birthdayPoints === 0) return 0;
    return this.transactions.run((tx) => this.daily.birthdayRewards(tx, day, birthdayPoints));
  }
}
