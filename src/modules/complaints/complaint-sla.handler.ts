import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { CoordinationStore } from '../../infrastructure/coordination/coordination-store.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { ComplaintSlaJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { complaintAlarmJobId, pendingComplaintAlarms, targetFor, type ComplaintTarget } from './complaint-clock.js';
import { ComplaintTargetsRepository } from './complaint-targets.repository.js';
import { ComplaintsSubscribers } from './complaints.events.js';
import { ClockMarks, ComplaintRow, ComplaintsRepository } from './complaints.repository.js';

/** Present while Redis still holds every alarm scheduled since the last rebuild; gone with the rest of Redis's data. */
const ALARMS_INTACT_KEY = 'complaint-sla:alarms-intact';
const REBUILD_BATCH = 1_000;

/**
 * After every change that starts or moves a clock, (re)schedules the complaint's alarms as delayed
 * jobs (`complaint-sla`): a warning at the configured share of each target, the breach at the deadline.
 * Driven by the outbox, so an alarm is never lost between the commit and Redis; an alarm whose deadline
 * has since moved finds that out when it fires and does nothing. As for service requests, Postgres is
 * the record: when Redis lost its data, the sweep schedules every running clock's alarms again.
 */
@Injectable()
export class ComplaintSlaHandler implements OnModuleInit {
  private readonly logger = new Logger(ComplaintSlaHandler.name);

  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly complaints: ComplaintsRepository,
    private readonly targets: ComplaintTargetsRepository,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.ComplaintSla) private readonly queue: Queue<ComplaintSlaJob>,
    private readonly store: CoordinationStore,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribeByReference(ComplaintsSubscribers.scheduleAlarms, async (event) => {
      const complaint = await this.complaints.find(event.aggregateId);
      if (complaint) await this.scheduleAlarms([complaint]);
    });
  }

  /** Rebuilds every running clock's alarms when Redis has lost them; returns how many complaints were rescheduled. */
  async recoverAlarms(): Promise<number> {
    if (!(await this.store.setMarkerIfAbsent(ALARMS_INTACT_KEY, new Date().toISOString()))) return 0;
    try {
      let rescheduled = 0;
      for (let after: string | null = null; ;) {
        const batch: (ComplaintRow & ClockMarks)[] = await this.complaints.withRunningClocks(after, REBUILD_BATCH);
        if (!batch.length) break;
        await this.scheduleAlarms(batch);
        rescheduled += batch.length;
        after = batch[batch.length - 1].id;
        if (batch.length < REBUILD_BATCH) break;
      }
      if (rescheduled) this.logger.warn({ rescheduled }, 'Redis had lost the complaint alarms: rescheduled them');
      return rescheduled;
    } catch (error) {
      await this.store.deleteMarker(ALARMS_INTACT_KEY).catch(() => undefined);
      throw error;
    }
  }

  private async scheduleAlarms(complaints: (ComplaintRow | (ComplaintRow & ClockMarks))[]): Promise<void> {
    const [targets, settings]: [ComplaintTarget[], { warningPercent: number }] = await Promise.all([
      this.targets.targets(),
      this.targets.settings(),
    ]);
    const now = Date.now();
    const jobs = complaints.flatMap((complaint) =>
      pendingComplaintAlarms(
        {
          id: complaint.id,
          status: complaint.status,
          slaStartedAt: new Date(complaint.slaStartedAt),
          pausedMinutes: complaint.pausedMinutes,
          acknowledgeBy: new Date(complaint.acknowledgeBy),
          resolveBy: new Date(complaint.resolveBy),
        },
        targetFor(targets, complaint.tier, complaint.severity),
        settings.warningPercent,
        this.config.businessCalendar,
      )
        .filter(({ job }) => !('acknowledgeWarned' in complaint) || !alreadyWentOff(complaint, job, now))
        .map(({ job, at }) => ({
          name: `${job.clock}-${job.stage}`,
          data: job,
          // Not kept once done: an alarm that found its clock stopped must be schedulable again with the same id.
          opts: { jobId: complaintAlarmJobId(job), delay: Math.max(0, at.getTime() - now), removeOnComplete: true },
        })),
    );
    for (let start = 0; start < jobs.length; start += REBUILD_BATCH)
      await this.queue.addBulk(jobs.slice(start, start + REBUILD_BATCH));
  }
}

/** An alarm the sweep need not rebuild: it went off for this deadline, or it is a warning that would come after the deadline. */
function alreadyWentOff(complaint: ClockMarks, job: ComplaintSlaJob, now: number): boolean {
  const acknowledgement = job.clock === 'acknowledgement';
  if (acknowledgement ? complaint.acknowledgeBreached : complaint.resolutionBreached) return true;
  const warned = acknowledgement ? complaint.acknowledgeWarned : complaint.resolutionWarned;
  return job.stage === 'warning' && (warned || now >= Date.parse(job.deadline));
}
