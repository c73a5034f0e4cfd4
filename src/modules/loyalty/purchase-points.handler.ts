import { Injectable, OnModuleInit } from '@nestjs/common';
import { CustomerRecordsService } from '../customers/customer-records.service.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import type { DomainEventJob } from '../../infrastructure/queues/queue-names.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { PointsLedger } from './points-ledger.js';
import { LoyaltyRepository } from './loyalty.repository.js';
import { LoyaltySettingsService } from './loyalty-settings.service.js';
import { pointsForAmount, reversalFor } from './points.js';
import { TiersRepository } from './tiers.repository.js';

interface PurchasePayload {
  purchase: { id: string; customerId: string; amount: { amount: string; currency: string } };
}

/**
 * Purchases earn points and refunds take them back, from the purchase events. Each purchase earns
 * once and each refund reverses once, however often the event is delivered (the ledger is unique on
 * source and kind).
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
    private readonly tiers: TiersRepository,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe('purchase.recorded', (event) => this.earn(event));
    this.handlers.subscribe('purchase.refunded', (event) => this.reverse(event));
  }

  async earn(event: DomainEventJob): Promise<void> {
    const { purchase } = event.payload as unknown as PurchasePayload;
    await this.transactions.run(async (tx) => {
      // Under the account lock: a refund that committed first leaves nothing to earn, and one that
      // commits later finds this entry when its reversal takes the same lock.
      await this.ledger.lockedBalance(tx, purchase.customerId);
      if (await this.purchases.isRefunded(purchase.id, tx)) return;
      // The tier when the points are credited: a purchase that lifts the customer to a new tier earns at the old rate.
      const multiplier = await this.tiers.earnMultiplier(purchase.customerId, tx);
      // The rate when the event is handled, not when the purchase was made: a purchase still queued when an admin changes the rate earns at the new one.
      const { pointsPerUnit } = await this.settings.current(tx);
      const points = pointsForAmount(purchase.amount.amount, pointsPerUnit, multiplier);
      if (points <= 0) return;
      const { entry, applied } = await this.ledger.apply(tx, {
        customerId: purchase.customerId, kind: 'earn', points, sourceType: 'purchase', sourceId: purchase.id, actorType: 'system',
      });
      if (applied) {
        await this.outbox.record(tx, { type: 'loyalty.points_earned', aggregateType: 'customer', aggregateId: purchase.customerId, payload: { entry } });
      }
    });
  }

  async reverse(event: DomainEventJob): Promise<void> {
    const { purchase } = event.payload as unknown as PurchasePayload;
    await this.transactions.run(async (tx) => {
      const balance = await this.ledger.lockedBalance(tx, purchase.customerId);
      const earned = await this.loyalty.findEntry(tx, 'purchase', purchase.id, 'earn');
      if (!earned) return; // nothing was earned, or the earning has not run yet and will see the refund
      if (await this.loyalty.findEntry(tx, 'purchase', purchase.id, 'reversal')) return;
      const { reversed, writtenOff } = reversalFor(earned.points, balance);
      if (reversed === 0) return;
      const { entry } = await this.ledger.apply(tx, {
        customerId: purchase.customerId, kind: 'reversal', points: -reversed, sourceType: 'purchase', sourceId: purchase.id, actorType: 'system',
        reason: writtenOff ? `refund; ${writtenOff} points already spent were written off` : 'refund',
      });
      await this.outbox.record(tx, { type: 'loyalty.points_reversed', aggregateType: 'customer', aggregateId: purchase.customerId, payload: { entry, writtenOff } });
    });
  }
}
