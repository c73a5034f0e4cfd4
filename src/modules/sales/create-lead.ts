import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../../common/auth/principal.js';
import { ValidationFailed } from '../../common/errors/domain-errors.js';
import { timeOrderedId } from '../../common/ids.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import type { ContactPair } from '../customers/contact-normalisation.js';
import { CustomersService } from '../customers/customers.service.js';
import type { CreateLeadDto } from './dto/lead.dto.js';
import { LeadAssigner } from './lead-assigner.js';
import type { LeadTraits } from './lead-assignment.js';
import { type LeadRow, LeadsRepository, type NewLead } from './leads.repository.js';

/** At most this many customers and this many open leads are kept as a lead's possible duplicates. */
const DUPLICATES_SHOWN = 5;

interface LeadArrival {
  lead: Omit<NewLead, 'ownerId' | 'assignment' | 'duplicates'> & { id: string };
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
    private readonly config: AppConfig,
  ) {}

  async execute(command: CreateLeadDto, principal: Principal, requestId: string): Promise<LeadRow> {
    const phone = command.phone === undefined ? null : this.customers.normalisePhone(command.phone);
    if (command.phone !== undefined && !phone)
      throw new ValidationFailed([{ field: 'phone', message: 'phone is not a valid phone number' }]);
    const email = command.email === undefined ? null : this.customers.normaliseEmail(command.email);
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
   * The leads arriving in the same moment are created together, in one transaction that locks the rules,
   * reads the loads, assigns each lead in turn and writes the leads with their audit rows
   * and events in one statement — so a rule's lock is held once per batch rather than
   * once per lead. One batch runs at a time: the leads arriving meanwhile would only wait for its lock,
   * so they gather into the next. Should the batch fail, each lead is created on its own, so that one
   * lead's error is its caller's alone.
   */
  private readonly arrivals = new MicroBatch(
    async (arrivals: LeadArrival[]): Promise<PromiseSettledResult<LeadRow>[]> => {
      try {
        return (await this.createTogether(arrivals)).map((value) => ({ status: 'fulfilled', value }));
      } catch (error) {
        if (arrivals.length === 1) return [{ status: 'rejected', reason: error }];
        return Promise.allSettled(arrivals.map((arrival) => this.createTogether([arrival]).then(([row]) => row)));
      }
    },
    200,
    1,
  );

  /**
   * The customers and open leads with the same contact are read on other connections while the
   * transaction takes the rules' locks: the batch before this one has committed (one batch runs at a
   * time), so its leads are seen; a lead created in the same moment by another process may not be —
   * the flag is advice to the salesperson, not a constraint.
   */
  private async createTogether(arrivals: LeadArrival[]): Promise<LeadRow[]> {
    const leads = arrivals.map(({ lead }) => lead);
    const matches = Promise.all([this.customers.withContacts(leads), this.leads.openWithContacts(leads)]);
    matches.catch(() => undefined); // awaited in the transaction, which may fail first
    return this.transactions.run((tx) => this.createAll(tx, arrivals, matches));
  }

  private async createAll(
    tx: Tx,
    arrivals: LeadArrival[],
    matches: Promise<[customerIds: string[][], leadIds: string[][]]>,
  ): Promise<LeadRow[]> {
    const picks = await this.assigner.assignAll(
      tx,
      arrivals.map((arrival) => arrival.traits),
    );
    const [customerIds, openLeadIds] = await matches;
    const leadIds = withEarlierArrivals(
      arrivals.map(({ lead }) => lead),
      openLeadIds,
    );
    return this.leads.insertAll(
      tx,
      arrivals.map(({ lead, principal, requestId }, index) => ({
        lead: {
          ...lead,
          duplicates: { customerIds: customerIds[index], leadIds: leadIds[index] },
          ownerId: picks[index]?.ownerId ?? null,
          assignment: picks[index]?.explanation ?? null,
        },
        ...actorOf(principal),
        requestId,
      })),
    );
  }
}

/** Each lead's open leads with its contact, plus the leads before it in the same batch reached the same way. */
function withEarlierArrivals(leads: readonly (ContactPair & { id: string })[], found: string[][]): string[][] {
  return leads.map((lead, index) => {
    const earlier = leads
      .slice(0, index)
      .filter((other) => (lead.phone && other.phone === lead.phone) || (lead.email && other.email === lead.email))
      .map((other) => other.id);
    return [...found[index], ...earlier].slice(0, DUPLICATES_SHOWN);
  });
}
