import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { registerJobSchedulers } from '../../infrastructure/queues/job-schedulers.js';
import { ComplaintSlaJob, QueueName, SlaRecoveryJob } from '../../infrastructure/queues/queue-names.js';
import { complaintClockRuns } from './complaint-clock.js';
import { ComplaintSlaHandler } from './complaint-sla.handler.js';
import { ComplaintsRepository } from './complaints.repository.js';
import { EscalateComplaint } from './escalate-complaint.js';

const CLOCKS = {
  acknowledgement: {
    warned: 'acknowledge_warned_at',
    breached: 'acknowledge_breached_at',
    deadline: 'acknowledgeBy',
    what: 'acknowledgement',
  },
  resolution: {
    warned: 'resolution_warned_at',
    breached: 'resolution_breached_at',
    deadline: 'resolveBy',
    what: 'resolution',
  },
} as const;

const SYSTEM = { actorType: 'system', actorId: null, requestId: null };

/**
 * A complaint alarm going off: a warning emits `complaint.sla_warning`; a breach emits
 * `complaint.breached` and escalates one level (EscalateComplaint: a task and `complaint.escalated`).
 * Each happens once per deadline, however often the job runs; a job whose deadline moved or whose
 * clock stopped does nothing. The same queue runs the sweep that rebuilds lost alarms.
 */
@Processor(QueueName.ComplaintSla, { concurrency: 8 })
export class ComplaintSlaProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(ComplaintSlaProcessor.name);

  constructor(
    private readonly complaints: ComplaintsRepository,
    private readonly escalation: EscalateComplaint,
    private readonly transactions: TransactionRunner,
    private readonly clocks: ComplaintSlaHandler,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.ComplaintSla) private readonly queue: Queue<SlaRecoveryJob>,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerJobSchedulers(
      this.queue,
      [
        {
          id: 'recover-complaint-alarms',
          repeat: { every: this.config.SLA_SWEEP_INTERVAL_MS },
          data: { task: 'recover-alarms' },
        },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(job: Job<ComplaintSlaJob | SlaRecoveryJob>): Promise<string> {
    if ('task' in job.data) return `rescheduled ${await this.clocks.recoverAlarms()}`;
    const { complaintId, clock, stage, deadline } = job.data;
    const columns = CLOCKS[clock];
    return this.transactions.run(async (tx) => {
      const complaint = await this.complaints.lock(tx, complaintId);
      if (!complaint) return 'gone';
      if (Date.parse(complaint[columns.deadline]) !== Date.parse(deadline)) return 'deadline moved';
      if (!complaintClockRuns(complaint.status, clock)) return 'clock stopped';
      const marks = await this.complaints.clockMarks(tx, complaintId);
      const warned = clock === 'acknowledgement' ? marks.acknowledgeWarned : marks.resolutionWarned;
      const breached = clock === 'acknowledgement' ? marks.acknowledgeBreached : marks.resolutionBreached;
      if (stage === 'warning' ? warned : breached) return 'already handled';
      if (stage === 'warning') {
        // A warning after the deadline (a complaint logged after the fact, a worker that was down) is only noise.
        if (breached || Date.now() >= Date.parse(deadline)) return 'too late to warn';
        await this.complaints.update(
          tx,
          complaintId,
          { [columns.warned]: new Date() },
          {
            change: 'sla_warning',
            summary: `${columns.what} deadline near`,
            details: { clock, deadline },
            actor: SYSTEM,
          },
        );
        return stage;
      }
      const late = await this.complaints.update(
        tx,
        complaintId,
        { [columns.breached]: new Date() },
        { change: 'breached', summary: `${columns.what} deadline missed`, details: { clock, deadline }, actor: SYSTEM },
      );
      await this.escalation.escalate(tx, late, { reason: `${columns.what} deadline missed`, clock, deadline }, SYSTEM);
      return stage;
    });
  }
}
