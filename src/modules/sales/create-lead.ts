import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { ValidationFailed } from '../../common/errors/domain-errors.js';
import { timeOrderedId } from '../../common/ids.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { CustomersService } from '../customers/customers.service.js';
import type { CreateLeadDto } from './dto/lead.dto.js';
import { LeadAssigner } from './lead-assigner.js';
import type { LeadTraits } from './lead-assignment.js';
import { toLeadDto } from './lead.presenter.js';
import { type LeadRow, LeadsRepository, type NewLead } from './leads.repository.js';
import { LeadEvents } from './sales.events.js';

interface LeadArrival {
  lead: Omit<NewLead, 'ownerId' | 'assignment'> & { id: string };
  traits: LeadTraits;
  principal: Principal;
  requestId: string;
}

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
    const outcome = await this.arrivals.call({
      lead: {
        id: timeOrderedId(),
        kind: command.kind ?? 'individual',
        name: command.name,
        companyName: command.companyName ?? null,
        phone,
        email,
        campaignId: command.campaignId ?? null,
        ...traits,
        interest: command.interest ?? null,
        notes: command.notes ?? null,
        duplicates: { customerIds, leadIds },
        respondBy: new Date(Date.now() + this.config.LEAD_RESPONSE_SECONDS * 1000),
        createdByType: principal.kind,
        createdById: principal.id,
      },
      traits,
      principal,
      requestId,
    });
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  }

  /**
   * The leads arriving in the same moment are created in one transaction: their rules locked once, each
   * lead assigned in turn, one insert, one audit statement, one statement per event type, one commit —
   * so a rule's lock is held once per batch rather than once per lead. One batch runs at a time: the leads
   * arriving meanwhile would only wait for its lock, so they gather into the next. Should that transaction
   * fail, each lead is created on its own, so that one lead's error is its caller's alone.
   */
  private readonly arrivals = new MicroBatch(
    async (arrivals: LeadArrival[]): Promise<PromiseSettledResult<LeadRow>[]> => {
      try {
        const rows = await this.transactions.run((tx) => this.createAll(tx, arrivals));
        return rows.map((value) => ({ status: 'fulfilled', value }));
      } catch (error) {
        if (arrivals.length === 1) return [{ status: 'rejected', reason: error }];
        return Promise.allSettled(
          arrivals.map((arrival) => this.transactions.run((tx) => this.createAll(tx, [arrival])).then(([row]) => row)),
        );
      }
    },
    200,
    1,
  );

  private async createAll(tx: Tx, arrivals: LeadArrival[]): Promise<LeadRow[]> {
    const picks = await this.assigner.assignAll(
      tx,
      arrivals.map((arrival) => arrival.traits),
    );
    const rows = await this.leads.insertAll(
      tx,
      arrivals.map(({ lead }, index) => ({
        ...lead,
        ownerId: picks[index]?.ownerId ?? null,
        assignment: picks[index]?.explanation ?? null,
      })),
    );
    const leads = rows.map(toLeadDto);
    await this.audit.recordAll(
      tx,
      arrivals.map(({ principal, requestId }, index) => ({
        actor: principal,
        requestId,
        action: 'lead.created',
        entityType: 'lead',
        entityId: rows[index].id,
        after: leads[index],
      })),
    );
    await this.outbox.recordAll(
      tx,
      LeadEvents.created,
      leads.map((lead) => ({ aggregateId: lead.id, payload: { lead } })),
    );
    await this.outbox.recordAll(
      tx,
      LeadEvents.assigned,
      leads.flatMap((lead, index) => {
        const pick = picks[index];
        return pick ? [{ aggregateId: lead.id, payload: { lead, assignment: pick.explanation } }] : [];
      }),
    );
    return rows;
  }
}
