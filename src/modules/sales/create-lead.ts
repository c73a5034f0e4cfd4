import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { ValidationFailed } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { CustomersService } from '../customers/customers.service.js';
import type { CreateLeadDto } from './dto/lead.dto.js';
import { LeadAssigner } from './lead-assigner.js';
import { toLeadDto } from './lead.presenter.js';
import { type LeadRow, LeadsRepository } from './leads.repository.js';
import { LeadEvents } from './sales.events.js';

/**
 * A lead arrives (a website form, a trade-show scanner, a salesperson): its contact normalised as
 * customers' are, flagged — never merged — when a customer or an open lead has the same phone or
 * e-mail, assigned by the rules in the same transaction, due for a first contact within the response time.
 */
@Injectable()
export class CreateLead {
  constructor(
    private readonly leads: LeadsRepository,
    private readonly assigner: LeadAssigner,
    private readonly customers: CustomersService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async execute(command: CreateLeadDto, principal: Principal, requestId: string): Promise<LeadRow> {
    const phone = command.phone === undefined ? null : this.customers.normalisePhone(command.phone);
    if (command.phone !== undefined && !phone)
      throw new ValidationFailed([{ field: 'phone', message: 'phone is not a valid phone number' }]);
    const email = command.email === undefined ? null : this.customers.normaliseEmail(command.email);
    const [customerIds, leadIds] = await Promise.all([
      this.customers.withContact(phone, email),
      this.leads.openWithContact(phone, email),
    ]);
    const traits = { region: command.region ?? null, industry: command.industry ?? null, source: command.source };

    return this.transactions.run(async (tx) => {
      const pick = await this.assigner.assign(tx, traits);
      const row = await this.leads.insert(tx, {
        kind: command.kind ?? 'individual',
        name: command.name,
        companyName: command.companyName ?? null,
        phone,
        email,
        campaignId: command.campaignId ?? null,
        ...traits,
        interest: command.interest ?? null,
        notes: command.notes ?? null,
        ownerId: pick?.ownerId ?? null,
        assignment: pick?.explanation ?? null,
        duplicates: { customerIds, leadIds },
        respondBy: new Date(Date.now() + this.config.LEAD_RESPONSE_SECONDS * 1000),
        createdByType: principal.kind,
        createdById: principal.id,
      });
      const lead = toLeadDto(row);
      await this.audit.record(tx, principal, requestId, {
        action: 'lead.created',
        entityType: 'lead',
        entityId: row.id,
        after: lead,
      });
      await this.outbox.record(tx, LeadEvents.created, row.id, { lead });
      if (pick) await this.outbox.record(tx, LeadEvents.assigned, row.id, { lead, assignment: pick.explanation });
      return row;
    });
  }
}
