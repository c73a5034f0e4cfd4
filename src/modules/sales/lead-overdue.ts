import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { LeadOverdueJob } from '../../infrastructure/queues/queue-names.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { UsersService } from '../identity/users.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import { toLeadDto } from './lead.presenter.js';
import { LeadsRepository } from './leads.repository.js';
import { LeadEvents } from './sales.events.js';

/**
 * A lead's response deadline passed and nobody has contacted it ("a month and nobody called me", seed
 * 002): first its owner gets a task, then — if it is still not contacted — their manager does. Each stage
 * happens once however often its job runs; a lead contacted, converted or disqualified meanwhile is left alone.
 */
@Injectable()
export class RemindOverdueLead {
  constructor(
    private readonly leads: LeadsRepository,
    private readonly tasks: TasksService,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
  ) {}

  async execute({ leadId, stage }: LeadOverdueJob): Promise<string> {
    return this.transactions.run(async (tx) => {
      const lead = await this.leads.lock(tx, leadId);
      if (!lead) return 'gone';
      if (lead.status !== 'new') return `already ${lead.status}`;
      if (stage === 'reminder' ? lead.remindedAt : lead.escalatedAt) return 'already done';
      const manager =
        stage === 'escalation' && lead.ownerId ? ((await this.users.find(lead.ownerId))?.managerId ?? null) : null;
      // The owner is reminded; the escalation goes to their manager. Without either, every manager's pool gets it.
      const assigneeId = stage === 'reminder' ? lead.ownerId : manager;
      const taskId = await this.tasks.create(tx, {
        kind: stage === 'reminder' ? 'lead.response_due' : 'lead.response_overdue',
        title:
          stage === 'reminder'
            ? `Contact the lead ${lead.name}: the response deadline has passed`
            : `Lead ${lead.name} is still not contacted after its response deadline`,
        detail: `Source ${lead.source}${lead.campaignId ? ` (${lead.campaignId})` : ''}, due by ${lead.respondBy}.`,
        assigneeId,
        assigneeRole: assigneeId ? undefined : 'manager',
        subjectType: 'lead',
        subjectId: lead.id,
      });
      const row = await this.leads.markOverdue(tx, lead.id, stage);
      await this.outbox.record(tx, LeadEvents.responseOverdue, lead.id, { lead: toLeadDto(row), stage, taskId });
      return stage;
    });
  }
}
