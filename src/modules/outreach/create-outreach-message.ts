import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { MessageChannel, Purpose } from './contact-gate.js';
import { ContactGate, renderMessage } from './contact-gate.service.js';
import { contentKey } from './message-template.js';
import { type MessageRow, OutreachMessagesRepository } from './outreach-messages.repository.js';

export interface MessageTemplate {
  title: string;
  purpose: Purpose;
  channels: readonly MessageChannel[];
  subject: string;
  body: string;
}

/**
 * One message to one customer, decided by the contact gate and stored with its decision, reason and
 * first status (and a timeline entry) whatever the decision; the dispatcher sends it when it is due.
 * `dedupeKey` (rule × source) makes a redelivered trigger create nothing: the answer is then null.
 */
@Injectable()
export class CreateOutreachMessage {
  constructor(
    private readonly gate: ContactGate,
    private readonly messages: OutreachMessagesRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  execute(command: {
    customerId: string;
    template: MessageTemplate;
    ruleId?: string;
    campaignId?: string;
    dedupeKey: string;
    now?: Date;
    /** Values the template may use besides the customer's (escaped in e-mail like them). */
    variables?: Record<string, string>;
  }): Promise<MessageRow | null> {
    const { customerId, template } = command;
    return this.transactions.run(async (tx) => {
      // Decisions for one customer take turns, so two at once cannot both slip under a cap.
      await this.messages.lockCustomer(tx, customerId);
      // Filled-in values are part of the content: two report-backs of different actions are not duplicates.
      const key = contentKey(
        template.subject,
        command.variables ? `${template.body}\u0000${JSON.stringify(command.variables)}` : template.body,
      );
      const { contact, decision } = await this.gate.decide(
        customerId,
        { purpose: template.purpose, channels: template.channels, contentKey: key, now: command.now ?? new Date() },
        tx,
      );
      const rendered =
        decision.decision === 'suppress'
          ? { subject: '', body: '' }
          : renderMessage(template, contact, decision.channel, command.variables);
      return this.messages.insert(
        tx,
        {
          customerId,
          ruleId: command.ruleId,
          campaignId: command.campaignId,
          dedupeKey: command.dedupeKey,
          purpose: template.purpose,
          subject: rendered.subject,
          body: rendered.body,
          contentKey: key,
          title: template.title,
        },
        decision,
      );
    });
  }
}
