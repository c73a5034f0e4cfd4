import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { registerJobSchedulers } from '../../infrastructure/queues/job-schedulers.js';
import { type ComplaintReportJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { RollUpComplaintReport } from './roll-up-complaint-report.js';

/** Runs the complaint report's rollup on a schedule, one run at a time across workers. */
@Processor(QueueName.ComplaintReport)
export class ComplaintReportProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(ComplaintReportProcessor.name);

  constructor(
    private readonly rollUp: RollUpComplaintReport,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.ComplaintReport) private readonly queue: Queue<ComplaintReportJob>,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerJobSchedulers(
      this.queue,
      [
        {
          id: 'roll-up-complaint-report',
          repeat: { every: this.config.COMPLAINT_REPORT_ROLLUP_INTERVAL_MS },
          data: { task: 'roll-up' },
        },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(): Promise<string> {
    return `rolled up ${await this.rollUp.execute()} days`;
  }
}
