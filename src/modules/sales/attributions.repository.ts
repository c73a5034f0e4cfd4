import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AttributablePurchase {
  purchaseId: string;
  customerId: string;
  amount: string;
  currency: string;
  purchasedAt: string;
  /** Set when the purchase was refunded: it stays attributed, and stops counting as revenue. */
  refundedAt?: string | null;
}

@Injectable()
export class AttributionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Attributes the purchase to its customer's latest opportunity won at most `windowDays` before it; true
   * if it is attributed. Called for `purchase.recorded` and again for `purchase.refunded` (with
   * `refundedAt`): the two subscribers' jobs may run in either order, so each one inserts the attribution
   * when it is missing, and a refund time once set is never cleared.
   */
  async attribute(purchase: AttributablePurchase, windowDays: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO purchase_attributions (purchase_id, opportunity_id, customer_id, amount, currency, purchased_at, refunded_at)
       SELECT $1, o.id, $2, $3, $4, $5, $7
         FROM opportunities o
        WHERE o.customer_id = $2 AND o.status = 'won'
          AND o.closed_at <= $5::timestamptz AND o.closed_at > $5::timestamptz - make_interval(days => $6)
        ORDER BY o.closed_at DESC, o.id DESC LIMIT 1
       ON CONFLICT (purchase_id) DO UPDATE SET refunded_at = coalesce(purchase_attributions.refunded_at, EXCLUDED.refunded_at)
       RETURNING purchase_id`,
      [
        purchase.purchaseId,
        purchase.customerId,
        purchase.amount,
        purchase.currency,
        purchase.purchasedAt,
        windowDays,
        purchase.refundedAt ?? null,
      ],
    );
    return rows.length > 0;
  }
}
