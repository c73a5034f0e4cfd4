import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFound, Unprocessable } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { CustomersService } from '../customers/customers.service.js';
import type { ConversionDto, ConvertLeadDto } from './dto/lead.dto.js';
import { leadTransitionRefusal } from './lead-lifecycle.js';
import { toLeadDto } from './lead.presenter.js';
import { type LeadRow, LeadsRepository } from './leads.repository.js';
import { OpportunitiesRepository } from './opportunities.repository.js';
import { toOpportunityDto } from './opportunity.presenter.js';
import { PipelinesRepository } from './pipelines.repository.js';
import { SalesAccess } from './sales-access.js';
import { InvalidLeadTransition } from './sales-errors.js';
import { LeadEvents, OpportunityEvents } from './sales.events.js';

/**
 * A qualified lead becomes a customer (created through the customers module, or an existing one linked)
 * and an opportunity in its pipeline's first stage — all in one transaction, so a failure at any step
 * leaves neither. The lead keeps both ids: lead → customer → opportunity → purchases.
 */
@Injectable()
export class ConvertLead {
  constructor(
    private readonly leads: LeadsRepository,
    private readonly opportunities: OpportunitiesRepository,
    private readonly pipelines: PipelinesRepository,
    private readonly customers: CustomersService,
    private readonly access: SalesAccess,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async execute(id: string, command: ConvertLeadDto, principal: Principal, requestId: string): Promise<ConversionDto> {
    const { opportunity } = command;
    if (opportunity.amount.currency !== this.config.SALES_CURRENCY)
      throw new Unprocessable(`Opportunities are in the price list's currency, ${this.config.SALES_CURRENCY}.`, [
        { field: 'opportunity.amount.currency', message: `must be ${this.config.SALES_CURRENCY}` },
      ]);
    if (command.customerId) await this.assertCustomerExists(command.customerId);

    return this.transactions.run(async (tx) => {
      const lead = await this.leads.lock(tx, id);
      if (!lead) throw new NotFound('Lead', id);
      await this.access.assertInBook(principal, lead.ownerId, 'Lead', id);
      const refusal = leadTransitionRefusal(lead.status, 'converted');
      if (refusal) throw new InvalidLeadTransition(refusal);
      const pipeline = await this.pipelines.find(opportunity.pipelineId, tx);
      if (!pipeline?.stages.length)
        throw new Unprocessable('The pipeline does not exist.', [
          { field: 'opportunity.pipelineId', message: 'no pipeline has this id' },
        ]);
      const ownerId = lead.ownerId ?? principal.id;

      const customerId = command.customerId ?? (await this.createCustomer(tx, lead, ownerId, principal, requestId));
      const firstStage = pipeline.stages[0];
      const created = await this.opportunities.insert(
        tx,
        {
          name: opportunity.name ?? lead.interest ?? lead.companyName ?? lead.name,
          customerId,
          leadId: lead.id,
          ownerId,
          pipelineId: pipeline.id,
          stageId: firstStage.id,
          amount: opportunity.amount.amount,
          currency: opportunity.amount.currency,
          probability: firstStage.probability,
          expectedCloseOn: opportunity.expectedCloseOn ?? null,
          products: [],
        },
        principal.kind === 'user' ? principal.id : null,
      );
      const converted = await this.leads.update(tx, lead.id, {
        status: 'converted',
        customer_id: customerId,
        opportunity_id: created.id,
        converted_at: new Date(),
      });
      const customerCreated = command.customerId === undefined;
      await this.audit.record(
        tx,
        principal,
        requestId,
        {
          action: 'lead.converted',
          entityType: 'lead',
          entityId: lead.id,
          before: { status: lead.status },
          after: { status: 'converted', customerId, opportunityId: created.id, customerCreated },
        },
        {
          action: 'opportunity.created',
          entityType: 'opportunity',
          entityId: created.id,
          after: toOpportunityDto(created),
        },
      );
      await this.outbox.record(tx, LeadEvents.converted, lead.id, {
        lead: toLeadDto(converted),
        customerId,
        opportunityId: created.id,
        customerCreated,
      });
      await this.outbox.record(tx, OpportunityEvents.created, created.id, { opportunity: toOpportunityDto(created) });
      return { customerId, opportunityId: created.id, customerCreated };
    });
  }

  private async createCustomer(
    tx: Tx,
    lead: LeadRow,
    ownerId: string,
    principal: Principal,
    requestId: string,
  ): Promise<string> {
    const customer = await this.customers.createIn(
      tx,
      {
        kind: lead.kind as 'individual' | 'organization',
        name: lead.name,
        ...(lead.companyName ? { companyName: lead.companyName } : {}),
        ...(lead.phone ? { mobile: lead.phone } : {}),
        ...(lead.email ? { email: lead.email } : {}),
        ...(lead.region ? { region: lead.region } : {}),
        ...(lead.industry ? { industry: lead.industry } : {}),
        ownerId,
      },
      principal,
      requestId,
    );
    return customer.id;
  }

  private async assertCustomerExists(customerId: string): Promise<void> {
    try {
      await this.customers.ownerOf(customerId);
    } catch (error) {
      if (error instanceof NotFound)
        throw new Unprocessable('The customer does not exist.', [
          { field: 'customerId', message: 'no customer has this id' },
        ]);
      throw error;
    }
  }
}
