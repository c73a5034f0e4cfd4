import { Injectable } from '@nestjs/common';
import { hasRole, Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFound, Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import { formatAmount } from '../../common/money/money.js';
import { decodeCursor, Page, PageQuery, toPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { TransactionRunner, Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { UsersService } from '../identity/users.service.js';
import { CustomerAccess } from './customer-access.js';
import { PurchaseAlreadyRefunded } from './customers-errors.js';
import {
  toConsentStateDto,
  toInteractionDto,
  toPurchaseDto,
  toTimelineEntryDto,
} from './customer-records.presenter.js';
import { CustomerRecordsRepository } from './customer-records.repository.js';
import { CustomersRepository } from './customers.repository.js';
import {
  ConsentsDto,
  CreateInteractionDto,
  CreatePurchaseDto,
  InteractionDto,
  PurchaseDto,
  TimelineEntryDto,
  TimelineQuery,
  UpdateConsentsDto,
} from './dto/records.dto.js';
import { CustomersEvents } from './customers.events.js';

// Timeline entries are purchases and interactions (uuid), refunds (refund-uuid), outreach messages
// (message-uuid), audit rows (audit-n) and entries other modules append to customer_timeline_entries,
// such as service requests' (entry-n).
const TIMELINE_ENTRY_ID =
  /^(refund-|message-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^(audit|entry)-\d{1,18}$/i;

// A purchase may be entered with a clock a little ahead of ours; beyond this it is a mistake.
const CLOCK_SKEW_MS = 5 * 60_000;

/** Purchases, interactions, consents and the timeline: everything recorded against a customer. */
@Injectable()
export class CustomerRecordsService {
  constructor(
    private readonly records: CustomerRecordsRepository,
    private readonly customers: CustomersRepository,
    private readonly access: CustomerAccess,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
  ) {}

  async recordPurchase(
    customerId: string,
    dto: CreatePurchaseDto,
    principal: Principal,
    requestId?: string,
  ): Promise<PurchaseDto> {
    const purchasedAt = dto.purchasedAt ?? new Date().toISOString();
    if (Date.parse(purchasedAt) > Date.now() + CLOCK_SKEW_MS) {
      throw new ValidationFailed([{ field: 'purchasedAt', message: 'purchasedAt must not be in the future' }]);
    }
    return this.transactions.run(async (tx) => {
      const customer = await this.customers.exists(customerId, tx);
      if (!customer) throw new NotFound('Customer', customerId);
      if (principal.kind === 'user') await this.access.assertMayChange(principal, customer.ownerId);
      const purchase = toPurchaseDto(
        await this.records.insertPurchase(tx, {
          customerId,
          purchasedAt,
          product: dto.product,
          quantity: dto.quantity ?? 1,
          amount: formatAmount(dto.amount.amount),
          currency: dto.amount.currency,
          paymentMethod: dto.paymentMethod,
          channel: dto.channel ?? null,
          notes: dto.notes ?? null,
          recordedBy: principal.kind === 'user' ? principal.id : null,
        }),
      );
      await this.audit.record(tx, principal, requestId, {
        action: 'purchase.recorded',
        entityType: 'purchase',
        entityId: purchase.id,
        after: purchase,
      });
      await this.outbox.record(tx, CustomersEvents.purchaseRecorded, customerId, { purchase });
      return purchase;
    });
  }

  /** Pass the caller's transaction when it holds locks: a second connection could starve the pool. */
  async isRefunded(purchaseId: string, tx?: Tx): Promise<boolean> {
    return this.records.isRefunded(purchaseId, tx);
  }

  /** Whose purchase it is and of what product (null: no such purchase). */
  purchaseFacts(purchaseId: string): Promise<{ customerId: string; product: string } | null> {
    return this.records.purchaseFacts(purchaseId);
  }

  /** Whose purchase it is now (a merge moves purchases to the survivor); null: no such purchase. */
  customerOfPurchase(purchaseId: string, tx?: Tx): Promise<string | null> {
    return this.records.customerOfPurchase(purchaseId, tx);
  }

  async purchaseBelongsTo(purchaseId: string, customerId: string): Promise<boolean> {
    return this.records.purchaseBelongsTo(purchaseId, customerId);
  }

  async listPurchases(customerId: string, query: PageQuery): Promise<Page<PurchaseDto>> {
    await this.assertCustomerExists(customerId);
    const rows = await this.records.listPurchases(customerId, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toPurchaseDto);
  }

  async refundPurchase(
    purchaseId: string,
    reason: string | undefined,
    principal: Principal,
    requestId?: string,
  ): Promise<PurchaseDto> {
    return this.transactions.run(async (tx) => {
      const locked = await this.records.lockPurchase(tx, purchaseId);
      if (!locked) throw new NotFound('Purchase', purchaseId);
      const purchase = toPurchaseDto(locked);
      if (purchase.refundedAt) throw new PurchaseAlreadyRefunded(purchaseId);
      const customer = await this.customers.exists(purchase.customerId, tx);
      if (!customer) throw new NotFound('Purchase', purchaseId); // its customer was deleted
      if (principal.kind === 'user') await this.access.assertMayChange(principal, customer.ownerId);
      const refunded = toPurchaseDto(await this.records.markRefunded(tx, purchaseId, reason ?? null));
      await this.audit.record(tx, principal, requestId, {
        action: 'purchase.refunded',
        entityType: 'purchase',
        entityId: purchaseId,
        before: purchase,
        after: refunded,
      });
      await this.outbox.record(tx, CustomersEvents.purchaseRefunded, purchase.customerId, {
        purchase: refunded,
        reason: reason ?? null,
      });
      return refunded;
    });
  }

  async logInteraction(
    customerId: string,
    dto: CreateInteractionDto,
    principal: Principal,
    requestId?: string,
  ): Promise<InteractionDto> {
    const staffId = dto.staffId ?? (principal.kind === 'user' ? principal.id : null);
    if (dto.staffId && principal.kind === 'user' && dto.staffId !== principal.id && !hasRole(principal, 'manager')) {
      throw new Unprocessable('Only managers may log an interaction on behalf of someone else.', [
        { field: 'staffId', message: 'must be your own id' },
      ]);
    }
    if (dto.staffId && !(await this.users.exists(dto.staffId))) {
      throw new Unprocessable('The staff member does not exist.', [
        { field: 'staffId', message: 'no user has this id' },
      ]);
    }
    return this.transactions.run(async (tx) => {
      if (!(await this.customers.exists(customerId, tx))) throw new NotFound('Customer', customerId);
      const interaction = toInteractionDto(
        await this.records.insertInteraction(tx, {
          customerId,
          channel: dto.channel,
          direction: dto.direction,
          occurredAt: dto.occurredAt ?? new Date().toISOString(),
          staffId,
          subject: dto.subject ?? null,
          summary: dto.summary,
          commitments: (dto.commitments ?? []).map((commitment) => ({ status: 'open', ...commitment })),
        }),
      );
      await this.audit.record(tx, principal, requestId, {
        action: 'interaction.logged',
        entityType: 'interaction',
        entityId: interaction.id,
        after: interaction,
      });
      await this.outbox.record(tx, CustomersEvents.interactionLogged, customerId, { interaction });
      return interaction;
    });
  }

  /** Marks one commitment of an interaction kept or broken (or open again), with who and when. */
  async settleCommitment(
    customerId: string,
    interactionId: string,
    index: number,
    status: 'open' | 'kept' | 'broken',
    principal: Principal,
    requestId?: string,
  ): Promise<InteractionDto> {
    return this.transactions.run(async (tx) => {
      if (!(await this.customers.exists(customerId, tx))) throw new NotFound('Customer', customerId);
      const locked = await this.records.lockInteraction(tx, customerId, interactionId);
      if (!locked) throw new NotFound('Interaction', interactionId);
      const commitment = locked.commitments[index];
      if (!commitment) throw new NotFound('Commitment', `${interactionId}/${index}`);
      const before = toInteractionDto(locked);
      const settled =
        status === 'open'
          ? { description: commitment.description, dueOn: commitment.dueOn, status }
          : {
              ...commitment,
              status,
              settledAt: new Date().toISOString(),
              settledBy: principal.kind === 'user' ? principal.id : null,
            };
      const commitments = locked.commitments.map((existing, position) => (position === index ? settled : existing));
      const interaction = toInteractionDto(await this.records.replaceCommitments(tx, interactionId, commitments));
      await this.audit.record(tx, principal, requestId, {
        action: 'interaction.commitment_settled',
        entityType: 'interaction',
        entityId: interactionId,
        before,
        after: interaction,
        fields: [`commitments.${index}.status`],
      });
      await this.outbox.record(tx, CustomersEvents.commitmentSettled, customerId, { interaction, index, status });
      return interaction;
    });
  }

  async listInteractions(customerId: string, query: PageQuery): Promise<Page<InteractionDto>> {
    await this.assertCustomerExists(customerId);
    const rows = await this.records.listInteractions(customerId, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toInteractionDto);
  }

  async getConsents(customerId: string): Promise<ConsentsDto> {
    const customer = await this.customers.findById(customerId);
    if (!customer) throw new NotFound('Customer', customerId);
    return {
      channels: (await this.records.listConsents(customerId)).map(toConsentStateDto),
      marketingOptOut: customer.marketingOptOut,
    };
  }

  async updateConsents(
    customerId: string,
    dto: UpdateConsentsDto,
    principal: Principal,
    requestId?: string,
  ): Promise<ConsentsDto> {
    rejectNulls(dto, ['marketingOptOut', 'channels']);
    const channels = dto.channels ?? [];
    if (new Set(channels.map((consent) => consent.channel)).size !== channels.length) {
      throw new ValidationFailed([{ field: 'channels', message: 'each channel may appear once' }]);
    }
    return this.transactions.run(async (tx) => {
      const customer = await this.customers.lockById(tx, customerId);
      if (!customer) throw new NotFound('Customer', customerId);
      const before: ConsentsDto = {
        channels: (await this.records.listConsents(customerId, tx)).map(toConsentStateDto),
        marketingOptOut: customer.marketingOptOut,
      };
      const by = principal.kind === 'user' ? principal.id : null;
      for (const consent of channels)
        await this.records.upsertConsent(tx, customerId, consent.channel, consent.optedIn, dto.source ?? null, by);
      if (dto.marketingOptOut !== undefined && dto.marketingOptOut !== customer.marketingOptOut) {
        await this.customers.update(tx, customerId, { marketing_opt_out: dto.marketingOptOut });
      }
      const after: ConsentsDto = {
        channels: (await this.records.listConsents(customerId, tx)).map(toConsentStateDto),
        marketingOptOut: dto.marketingOptOut ?? customer.marketingOptOut,
      };
      const fields = [
        ...channels.map((consent) => `consent.${consent.channel}`),
        ...(dto.marketingOptOut !== undefined ? ['marketingOptOut'] : []),
      ];
      await this.audit.record(tx, principal, requestId, {
        action: 'customer.consents_updated',
        entityType: 'customer',
        entityId: customerId,
        before,
        after,
        fields,
      });
      await this.outbox.record(tx, CustomersEvents.consentChanged, customerId, { customerId, ...after });
      return after;
    });
  }

  async timeline(customerId: string, query: TimelineQuery): Promise<Page<TimelineEntryDto>> {
    await this.assertCustomerExists(customerId);
    const rows = await this.records.timeline(
      customerId,
      query.kind,
      decodeCursor(query.cursor, TIMELINE_ENTRY_ID),
      query.limit,
    );
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toTimelineEntryDto);
  }

  private async assertCustomerExists(customerId: string): Promise<void> {
    if (!(await this.customers.exists(customerId))) throw new NotFound('Customer', customerId);
  }
}
