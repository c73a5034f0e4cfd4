import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { DomainEventJob, QueueName, ServiceSlaJob } from '../../infrastructure/queues/queue-names.js';
import { alarmJobId, pendingAlarms } from './sla-clock.js';
import { ServiceRequestsRepository } from './service-requests.repository.js';
import type { ServiceRequestStatus } from './service-request-lifecycle.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';
import { ServiceRequestsSubscribers } from './service-requests.events.js';

/**
 * After every change to a request, (re)schedules its SLA alarms as delayed jobs from the request as it
 * is now. Driven by the outbox, so an alarm is never lost between the commit and Redis; alarms whose
 * deadline has since moved find that out when they fire and do nothing.
 */
@Injectable()
export class SlaClockHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly requests: ServiceRequestsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.ServiceSla) private readonly queue: Queue<ServiceSlaJob>,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(ServiceRequestsSubscribers.scheduleSlaAlarms, (event) => this.schedule(event));
  }

  async schedule(event: DomainEventJob<unknown>): Promise<void> {
    const request = await this.requests.find(event.aggregateId);
    if (!request) return;
    const targets = await this.policies.targetsFor(request.tier, request.severity);
    const alarms = pendingAlarms(
      {
        id: request.id,
        status: request.status as ServiceRequestStatus,
        slaStartedAt: new Date(request.slaStartedAt),
        pausedMinutes: request.pausedMinutes,
        respondBy: new Date(request.respondBy),
        resolveBy: new Date(request.resolveBy),
      },
      targets,
      this.config.businessCalendar,
    );
    const now = Date.now();
    await this.queue.addBulk(
      alarms.map(({ job, at }) => ({ name: `${job.clock}-${job.stage}`, data: job, opts: {
          jobId: alarmJobId(job),
          delay: Math.max(0, at.getTime() - now),
          // Not kept once done: an alarm that found its clock stopped must be schedulable again with the
          // same id when the clock restarts with the same deadline. The processor is idempotent.
          removeOnComplete: true,
        },
      })),
    );
  }
}
