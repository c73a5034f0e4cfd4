import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { type HandOverJob, type LeadOverdueJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { HandOverBook } from './hand-over.js';
import { RemindOverdueLead } from './lead-overdue.js';

/** The sales queue: lead reminders and escalations (delayed jobs) and hand-overs. Every job is idempotent. */
@Processor(QueueName.Sales, { concurrency: 4 })
export class SalesProcessor extends WorkerHost {
  constructor(
    private readonly remindOverdueLead: RemindOverdueLead,
    private readonly handOverBook: HandOverBook,
  ) {
    super();
  }

  async process(job: Job<LeadOverdueJob | HandOverJob>): Promise<string> {
    switch (job.data.kind) {
      case 'lead-overdue':
        return this.remindOverdueLead.execute(job.data);
      case 'hand-over':
        return this.handOverBook.execute(job as Job<HandOverJob>);
      default:
        throw new UnrecoverableError(`unknown sales job ${job.name}`);
    }
  }
}
