import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { NotFound } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { registerJobSchedulers } from '../../infrastructure/queues/job-schedulers.js';
import { type OutreachTriggerJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { CareScans } from './care-scans.js';
import { CareScansRepository } from './care-scans.repository.js';
import { CreateOutreachMessage } from './create-outreach-message.js';
import { LaunchCampaign } from './launch-campaign.js';
import { OutreachRulesRepository } from './outreach-rules.repository.js';

/** Fires event-triggered care rules when their delay is up, launches campaigns, and runs the daily scans (one owner across workers). */
@Processor(QueueName.OutreachTriggers, { concurrency: 8 })
export class OutreachTriggersProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutreachTriggersProcessor.name);

  constructor(
    private readonly rules: OutreachRulesRepository,
    private readonly createMessage: CreateOutreachMessage,
    private readonly scans: CareScans,
    private readonly scanQueries: CareScansRepository,
    private readonly launchCampaign: LaunchCampaign,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.OutreachTriggers) private readonly queue: Queue<OutreachTriggerJob>,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerJobSchedulers(
      this.queue,
      [
        {
          id: 'outreach-daily-scan',
          repeat: { pattern: this.config.OUTREACH_DAILY_CRON, tz: this.config.OUTREACH_TIME_ZONE },
          data: { task: 'daily-scan' },
        },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(job: Job<OutreachTriggerJob>): Promise<string> {
    const data = job.data;
    if (data.task === 'daily-scan') return `runs ${(await this.scans.runAll(data.day)).length}`;
    if (data.task === 'launch-campaign') return this.launchCampaign.execute(data.campaignId);
    const rule = await this.rules.findById(data.ruleId);
    if (!rule?.active) return 'rule inactive';
    if (rule.trigger === 'lead_converted' && (await this.scanQueries.hasBought(data.customerId)))
      return 'already a buyer';
    try {
      const message = await this.createMessage.execute({
        customerId: data.customerId,
        template: {
          title: rule.name,
          purpose: rule.purpose,
          channels: rule.channels,
          subject: rule.subject,
          body: rule.body,
        },
        ruleId: rule.id,
        dedupeKey: `${rule.id}:${data.sourceId}`,
      });
      return message ? `${message.decision}${message.reason ? ` (${message.reason})` : ''}` : 'already fired';
    } catch (error) {
      if (error instanceof NotFound) return 'customer gone';
      throw error;
    }
  }
}
