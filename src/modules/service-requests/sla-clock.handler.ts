import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { CoordinationStore } from '../../infrastructure/coordination/coordination-store.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { DomainEventJob, QueueName, ServiceSlaJob } from '../../infrastructure/queues/queue-names.js';
import { alarmJobId, pendingAlarms } from './sla-clock.js';
import { ClockedRequestRow, ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';
import { SlaPolicy, targetsIn } from './service-priority.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';
import { ServiceRequestsSubscribers } from './service-requests.events.js';

/** Present while Redis still holds every alarm scheduled since the last rebuild; gone with the rest of Redis's data. */
const ALARMS_INTACT_KEY = 'service-sla:alarms-intact';
const REBUILD_BATCH = 1_000;

/**
 * After every change to a request, (re)schedules its SLA alarms as delayed jobs from the request as it
 * is now. Driven by the outbox, so an alarm is never lost between the commit and Redis; alarms whose
 * deadline has since moved find that out when they fire and do nothing.
 *
 * Postgres is the record of the alarms, Redis only their clock: when Redis loses its data (a restart
 * without persistence, a failover), the sweep (`recoverAlarms`, every SLA_SWEEP_INTERVAL_MS) notices
 * the marker key gone with it and schedules every running clock's alarms again from the requests'
 * deadlines. Job ids are the alarm's, so an alarm that survived is not doubled and each fires once.
 */
@Injectable()
export class SlaClockHandler implements OnModuleInit {
  private readonly logger = new Logger(SlaClockHandler.name);

  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly requests: ServiceRequestsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.ServiceSla) private readonly queue: Queue<ServiceSlaJob>,
    private readonly store: CoordinationStore,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribeByReference(ServiceRequestsSubscribers.scheduleSlaAlarms, (event) => this.schedule(event));
  }

  async schedule(event: DomainEventJob): Promise<void> {
    const request = await this.requests.find(event.aggregateId);
    if (!request) return;
    await this.scheduleAlarms([request], await this.policies.list());
  }

  /** Rebuilds every running clock's alarms when Redis has lost them; returns how many requests were rescheduled (0 when nothing was lost). */
  async recoverAlarms(): Promise<number> {
    // SET NX: the marker missing means this Redis has not seen a rebuild since it lost (or never had) its data.
    if (!(await this.store.setMarkerIfAbsent(ALARMS_INTACT_KEY, new Date().toISOString()))) return 0;
    try {
      const policies = await this.policies.list();
      let rescheduled = 0;
      for (let after: string | null = null; ;) {
        const batch: ClockedRequestRow[] = await this.requests.withRunningClocks(after, REBUILD_BATCH);
        if (!batch.length) break;
        await this.scheduleAlarms(batch, policies);
        rescheduled += batch.length;
        after = batch[batch.length - 1].id;
        if (batch.length < REBUILD_BATCH) break;
      }
      if (rescheduled)
        this.logger.warn({ rescheduled }, 'Redis had lost the SLA alarms: rescheduled them from the requests');
      return rescheduled;
    } catch (error) {
      // Half a rebuild must not pass for a whole one: the next sweep starts again.
      await this.store.deleteMarker(ALARMS_INTACT_KEY).catch(() => undefined);
      throw error;
    }
  }

  private async scheduleAlarms(
    requests: (ServiceRequestRow | ClockedRequestRow)[],
    policies: SlaPolicy[],
  ): Promise<void> {
    const now = Date.now();
    const jobs = requests.flatMap((request) =>
      pendingAlarms(
        {
          id: request.id,
          status: request.status,
          slaStartedAt: new Date(request.slaStartedAt),
          pausedMinutes: request.pausedMinutes,
          respondBy: new Date(request.respondBy),
          resolveBy: new Date(request.resolveBy),
        },
        targetsIn(policies, request.tier, request.severity),
        this.config.businessCalendar,
      )
        .filter(({ job }) => !('responseWarned' in request) || !alreadyWentOff(request, job, now))
        .map(({ job, at }) => ({
          name: `${job.clock}-${job.stage}`,
          data: job,
          opts: {
            jobId: alarmJobId(job),
            delay: Math.max(0, at.getTime() - now),
            // Not kept once done: an alarm that found its clock stopped must be schedulable again with the
            // same id when the clock restarts with the same deadline. The processor is idempotent.
            removeOnComplete: true,
          },
        })),
    );
    for (let start = 0; start < jobs.length; start += REBUILD_BATCH)
      await this.queue.addBulk(jobs.slice(start, start + REBUILD_BATCH));
  }
}

/** An alarm the sweep need not rebuild: it has gone off for this deadline, or it is a warning that would come after the deadline. */
function alreadyWentOff(request: ClockedRequestRow, job: ServiceSlaJob, now: number): boolean {
  const breached = job.clock === 'response' ? request.responseBreachedAt : request.resolutionBreachedAt;
  const warned = job.clock === 'response' ? request.responseWarned : request.resolutionWarned;
  if (breached) return true;
  return job.stage === 'warning' && (warned || now >= Date.parse(job.deadline));
}
