import { Injectable, OnModuleInit } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { CustomerRecordsService } from '../customers/customer-records.service.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import type { DomainEvent } from '../../infrastructure/queues/queue-names.js';
import type { PayloadOf } from '../../infrastructure/outbox/event-catalogue.js';
import { CustomersEvents } from '../customers/customers.events.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { PointsLedger } from './points-ledger.js';
import { LoyaltyRepository } from './loyalty.repository.js';
import { LoyaltySettingsService } from './loyalty-settings.service.js';
import { pointsForAmount, reversalFor } from './points.js';
import { TierRecalculations } from './tier-recalculations.js';
import { LoyaltyEvents, LoyaltySubscribers } from './loyalty.events.js';

/**
 * Purchases earn points and refunds take them back, from the purchase events. Each purchase earns
 * once and each refund reverses once, however often the event is delivered (the ledger is unique on
 * source and kind). Both also queue the customer's tier recalculation, which the purchase or refund
 * changes whether or not points move: first, so an earning that fails and is retried never holds the
 * tier back (a rerun queues it again, which deduplication or a second recalculation makes harmless).
 */
@Injectable()
export class PurchasePointsHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly ledger: PointsLedger,
    private readonly loyalty: LoyaltyRepository,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly settings: LoyaltySettingsService,
    private readonly purchases: CustomerRecordsService,
    private readonly tierRecalculations: TierRecalculations,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(LoyaltySubscribers.earnPoints, (event) => this.earn(event));
    this.handlers.subscribe(LoyaltySubscribers.reversePoints, (event) => this.reverse(event));
  }

  async earn(event: DomainEvent<PayloadOf<typeof CustomersEvents.purchaseRecorded>>): Promise<void> {
    await this.tierRecalculations.scheduleCustomer(event.aggregateId, event.type);
    const purchase = purchaseOf(event);
    await this.transactions.run(async (tx) => {
      // Under the account lock: a refund that committed first leaves nothing to earn, and one that
      // commits later finds this entry when its reversal takes the same lock.
      const { customerId, balance } = await this.loyalty.lockAccountOfPurchase(tx, purchase.id, purchase.customerId);
      const facts = await this.loyalty.purchaseEarningFacts(tx, purchase.id, customerId);
      assertStillTheCustomers(purchase.id, customerId, facts.customerNow);
      if (facts.refunded) return;
      // The tier when the points are credited (facts.multiplier): a purchase that lifts the customer to a
      // new tier earns at the old rate. The rate when the event is handled, not when the purchase was made:
      // a purchase still queued when an admin changes the rate earns at the new one.
      const pointsPerUnit = facts.pointsPerUnit ?? (await this.settings.current(tx)).pointsPerUnit;
      const points = pointsForAmount(purchase.amount.amount, pointsPerUnit, facts.multiplier);
      if (points <= 0) return;
      const { entry, applied } = await this.ledger.apply(
        tx,
        {
          customerId,
          kind: 'earn',
          points,
          sourceType: 'purchase',
          sourceId: purchase.id,
          actorType: 'system',
        },
        { balance },
      );
      if (applied) {
        await this.outbox.record(tx, LoyaltyEvents.pointsEarned, customerId, { entry });
      }
    });
  }

  async reverse(event: DomainEvent<PayloadOf<typeof CustomersEvents.purchaseRefunded>>): Promise<void> {
    await this.tierRecalculations.scheduleCustomer(event.aggregateId, event.type);
    const purchase = purchaseOf(event);
    await this.transactions.run(async (tx) => {
      const { customerId, balance } = await this.lockedAccountOf(tx, purchase);
      const earned = await this.loyalty.findEntry(tx, 'purchase', purchase.id, 'earn');
      if (!earned) return; // nothing was earned, or the earning has not run yet and will see the refund
      if (await this.loyalty.findEntry(tx, 'purchase', purchase.id, 'reversal')) return;
      const { reversed, writtenOff } = reversalFor(earned.points, balance);
      if (reversed === 0) return;
      const { entry } = await this.ledger.apply(
        tx,
        {
          customerId,
          kind: 'reversal',
          points: -reversed,
          sourceType: 'purchase',
          sourceId: purchase.id,
          actorType: 'system',
          reason: writtenOff ? `refund; ${writtenOff} points already spent were written off` : 'refund',
        },
        { balance },
      );
      await this.outbox.record(tx, LoyaltyEvents.pointsReversed, customerId, { entry, writtenOff });
    });
  }

  /**
   * The account of the purchase's customer now, locked, not the one the event named: a merge since the
   * event was queued moved the purchase (and the ledger) to the survivor.
   */
  private async lockedAccountOf(
    tx: Tx,
    purchase: { id: string; customerId: string },
  ): Promise<{ customerId: string; balance: number }> {
    const { customerId, balance } = await this.loyalty.lockAccountOfPurchase(tx, purchase.id, purchase.customerId);
    assertStillTheCustomers(purchase.id, customerId, await this.purchases.customerOfPurchase(purchase.id, tx));
    return { customerId, balance };
  }
}

/**
 * The purchase still belongs to the customer whose account was locked. A merge that committed while the
 * lock was awaited moved it (and the ledger) to the survivor, and points moved on the merged-away
 * account would be lost: the job fails and BullMQ retries it, which locks the survivor's.
 */
function assertStillTheCustomers(purchaseId: string, lockedCustomerId: string, customerNow: string | null): void {
  if (customerNow && customerNow !== lockedCustomerId)
    throw new Error(`purchase ${purchaseId} moved to another customer meanwhile: retried`);
}

/** An event without a purchase (written by hand, or by a version that shaped it differently) will never earn: fail it for good. */
function purchaseOf(
  event: DomainEvent<{ purchase: PayloadOf<typeof CustomersEvents.purchaseRecorded>['purchase'] }>,
): PayloadOf<typeof CustomersEvents.purchaseRecorded>['purchase'] {
  const purchase = event.payload?.purchase;
  if (!purchase?.id || !purchase.customerId || !purchase.amount?.amount)
    throw new UnrecoverableError(`${event.type} ${event.eventId} carries no purchase with an id, customer and amount`);
  return purchase;
}
