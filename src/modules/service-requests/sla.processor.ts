import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { registerJobSchedulers } from '../../infrastructure/queues/job-schedulers.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { QueueName, ServiceSlaJob, SlaRecoveryJob } from '../../infrastructure/queues/queue-names.js';
import { UsersService } from '../identity/users.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import { clockRuns } from './sla-clock.js';
import { SlaClockHandler } from './sla-clock.handler.js';
import { ServiceRequestsRepository } from './service-requests.repository.js';

const COLUMNS = {
  response: { warned: 'response_warned_at', breached: 'response_breached_at', deadline: 'respondBy' },
  resolution: { warned: 'resolution_warned_at', breached: 'resolution_breached_at', deadline: 'resolveBy' },
} as const;

/**
 * An SLA alarm going off: a warning emits `service_request.sla_warning`; a breach escalates — the
 * request moves ahead of every unescalated one, the responsible manager gets a task, and
 * `service_request.breached` goes out. Each happens once per deadline, however often the job runs.
 * The same queue runs the sweep that rebuilds the alarms after Redis lost them (SlaClockHandler).
 */
@Processor(QueueName.ServiceSla, { concurrency: 8 })
export class SlaProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(SlaProcessor.name);

  constructor(
    private readonly requests: ServiceRequestsRepository,
    private readonly transactions: TransactionRunner,
    private readonly tasks: TasksService,
    private readonly users: UsersService,
    private readonly clocks: SlaClockHandler,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.ServiceSla) private readonly queue: Queue<SlaRecoveryJob>,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerJobSchedulers(
      this.queue,
      [
        {
          id: 'recover-sla-alarms',
          repeat: { every: this.config.SLA_SWEEP_INTERVAL_MS },
          data: { task: 'recover-alarms' },
        },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(job: Job<ServiceSlaJob | SlaRecoveryJob>): Promise<string> {
    if ('task' in job.data) return `rescheduled ${await this.clocks.recoverAlarms()}`;
    const { requestId, clock, stage, deadline } = job.data;
    const columns = COLUMNS[clock];
    return this.transactions.run(async (tx) => {
      const request = await this.requests.lock(tx, requestId);
      if (!request) return 'gone';
      if (new Date(request[columns.deadline]).getTime() !== Date.parse(deadline)) return 'deadline moved';
      if (!clockRuns(request.status, clock)) return 'clock stopped';
      const [marks] = await tx.query(
        `SELECT ${columns.warned} IS NOT NULL AS warned, ${columns.breached} IS NOT NULL AS breached FROM service_requests WHERE id = $1`,
        [requestId],
      );
      if (stage === 'warning' ? marks.warned : marks.breached) return 'already handled';
      // A warning that comes too late (a request logged after the fact, a worker that was down) would only be noise.
      if (stage === 'warning' && (marks.breached || Date.now() >= Date.parse(deadline))) return 'too late to warn';
      const flag = stage === 'warning' ? columns.warned : columns.breached;
      const what = clock === 'response' ? 'first response' : 'resolution';
      if (stage === 'warning') {
        await this.requests.update(
          tx,
          requestId,
          { [flag]: new Date() },
          { change: 'sla_warning', summary: `${what} deadline near`, details: { clock, deadline } },
        );
        return stage;
      }
      const manager = request.assignedTo ? ((await this.users.find(request.assignedTo))?.managerId ?? null) : null;
      const taskId = await this.tasks.create(tx, {
        kind: `sla.${clock}_breached`,
        title: `${request.number}: ${what} deadline missed`,
        detail: `${request.subject} (${request.tier ?? 'no tier'}, ${request.severity}) was due by ${deadline}.`,
        assigneeId: manager,
        assigneeRole: manager ? undefined : 'manager',
        customerId: request.customerId,
        subjectType: 'service_request',
        subjectId: requestId,
      });
      await this.requests.update(
        tx,
        requestId,
        { [flag]: new Date(), escalation_level: request.escalationLevel + 1 },
        {
          change: 'breached',
          summary: `${what} deadline missed, escalated`,
          details: { clock, deadline, escalationTaskId: taskId },
        },
      );
      return stage;
    });
  }
}
