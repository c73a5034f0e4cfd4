import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { AttributionsRepository } from './attributions.repository.js';
import { SalesSubscribers } from './sales.events.js';

/**
 * A purchase recorded for a customer within ATTRIBUTION_WINDOW_DAYS after one of their opportunities was
 * won is that opportunity's revenue (the latest won one, if several): lead → customer → opportunity →
 * purchases; a refund takes it out of the revenue again (the attribution stays, marked refunded).
 * Idempotent: a purchase is attributed at most once (its id is the key).
 */
@Injectable()
export class PurchaseAttributionHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly attributions: AttributionsRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(SalesSubscribers.attributePurchase, async ({ payload: { purchase } }) => {
      await this.attributions.attribute(
        {
          purchaseId: purchase.id,
          customerId: purchase.customerId,
          amount: purchase.amount.amount,
          currency: purchase.amount.currency,
          purchasedAt: purchase.purchasedAt,
        },
        this.config.ATTRIBUTION_WINDOW_DAYS,
      );
    });
    this.handlers.subscribe(SalesSubscribers.refundAttributedPurchase, async ({ payload: { purchase } }) => {
      await this.attributions.attribute(
        {
          purchaseId: purchase.id,
          customerId: purchase.customerId,
          amount: purchase.amount.amount,
          currency: purchase.amount.currency,
          purchasedAt: purchase.purchasedAt,
          refundedAt: purchase.refundedAt ?? new Date().toISOString(),
        },
        this.config.ATTRIBUTION_WINDOW_DAYS,
      );
    });
  }
}
