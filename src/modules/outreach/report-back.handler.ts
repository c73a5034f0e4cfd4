import { Injectable, OnModuleInit } from '@nestjs/common';
import { NotFound } from '../../common/errors/domain-errors.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import type { MessageTemplate } from './create-outreach-message.js';
import { CreateOutreachMessage } from './create-outreach-message.js';
import { OutreachSubscribers } from './outreach.events.js';

/**
 * The report-back to complainants after an improvement action is completed (R-P4): the complaints
 * module announces `improvement_action.reported_back` once per customer and round, and this handler
 * turns it into an outreach message through the contact gate — a service message (it answers the
 * customer's own complaint, so only the channel's consent counts, not the marketing opt-out or the
 * open problem), deferred in quiet hours, stored with its decision and reason, on the timeline, and
 * sent by the send workers. The dedupe key `report-back:<action>:<customer>:<round>` makes a
 * redelivered event create nothing twice.
 */
export const REPORT_BACK_TEMPLATE: MessageTemplate = {
  title: '投诉改进回访',
  purpose: 'service',
  channels: ['sms', 'email', 'wechat'],
  subject: '{{ salutation }}，关于您反映的问题',
  body: '{{ salutation }}，感谢您的反馈。针对“{{ title }}”，我们已完成改进：{{ summary }}',
};

@Injectable()
export class ReportBackHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly createMessage: CreateOutreachMessage,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(OutreachSubscribers.reportBackImprovement, async ({ payload }) => {
      try {
        await this.createMessage.execute({
          customerId: payload.customerId,
          template: REPORT_BACK_TEMPLATE,
          dedupeKey: `report-back:${payload.actionId}:${payload.customerId}:${payload.round}`,
          variables: { title: payload.title, summary: payload.summary },
        });
      } catch (error) {
        // A customer erased since: nobody to tell (anything else fails the job, which is retried).
        if (!(error instanceof NotFound)) throw error;
      }
    });
  }
}
