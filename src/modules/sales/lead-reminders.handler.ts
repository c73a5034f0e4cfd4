import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { type LeadOverdueJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { LeadsRepository } from './leads.repository.js';
import { SalesSubscribers } from './sales.events.js';

/** The delayed job of a lead's reminder or escalation: one id per lead and stage, so it is scheduled once. */
export function overdueJobId(leadId: string, stage: LeadOverdueJob['stage']): string {
  return `lead-${stage}.${leadId}`;
}

/**
 * When a lead is created, schedules its response reminder at the deadline and its escalation
 * LEAD_ESCALATION_SECONDS later, as delayed jobs. Driven by the outbox, so they are never lost between
 * the commit and Redis; each finds out when it fires whether the lead was contacted meanwhile.
 */
@Injectable()
export class LeadRemindersHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly leads: LeadsRepository,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.Sales) private readonly queue: Queue<LeadOverdueJob>,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(SalesSubscribers.scheduleLeadReminders, async (event) => {
      const lead = await this.leads.find(event.payload.lead.id);
      if (!lead || lead.status !== 'new') return;
      const remindAt = Date.parse(lead.respondBy);
      const escalateAt = remindAt + this.config.LEAD_ESCALATION_SECONDS * 1000;
      const now = Date.now();
      await this.queue.addBulk(
        (
          [
            ['reminder', remindAt],
            ['escalation', escalateAt],
          ] as const
        ).map(([stage, at]) => ({
          name: `lead-${stage}`,
          data: { kind: 'lead-overdue', leadId: lead.id, stage },
          opts: { jobId: overdueJobId(lead.id, stage), delay: Math.max(0, at - now) },
        })),
      );
    });
  }
}
