import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MicroBatch } from '../../common/micro-batch.js';

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
   *
   * The purchases attributed at the same moment (the subscriber jobs run concurrently) share one
   * statement. A batch the database refuses is retried one purchase at a time, so one bad purchase fails
   * only its own job.
   */
  async attribute(purchase: AttributablePurchase, windowDays: number): Promise<boolean> {
    const outcome = await this.batch.call({ purchase, windowDays });
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  private readonly batch = new MicroBatch(async (inputs: { purchase: AttributablePurchase; windowDays: number }[]) => {
    try {
      const attributed = await this.attributeMany(inputs);
      return inputs.map(({ purchase }) => attributed.has(purchase.purchaseId.toLowerCase()));
    } catch (error) {
      if (inputs.length === 1) return [error instanceof Error ? error : new Error(String(error))];
      return Promise.all(
        inputs.map((input) =>
          this.attributeMany([input]).then(
            (attributed) => attributed.has(input.purchase.purchaseId.toLowerCase()),
            (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
          ),
        ),
      );
    }
  });

  /**
   * One statement for many purchases; the ids of those attributed. A purchase named twice (its
   * recording and its refund, or a redelivery) is one row, with the refund time if either has it: one
   * INSERT … ON CONFLICT may not touch a row twice.
   */
  private async attributeMany(inputs: { purchase: AttributablePurchase; windowDays: number }[]): Promise<Set<string>> {
    const byPurchase = new Map<string, { purchase: AttributablePurchase; windowDays: number }>();
    for (const input of inputs) {
      const seen = byPurchase.get(input.purchase.purchaseId);
      if (!seen) byPurchase.set(input.purchase.purchaseId, input);
      else if (!seen.purchase.refundedAt && input.purchase.refundedAt)
        byPurchase.set(input.purchase.purchaseId, {
          ...seen,
          purchase: { ...seen.purchase, refundedAt: input.purchase.refundedAt },
        });
    }
    // In key order, so two batches that share a purchase take its index entry in the same order as the others'.
    const rows = [...byPurchase.values()].sort((a, b) => (a.purchase.purchaseId < b.purchase.purchaseId ? -1 : 1));
    const attributed: { purchase_id: string }[] = await this.dataSource.query(
      `INSERT INTO purchase_attributions (purchase_id, opportunity_id, customer_id, amount, currency, purchased_at, refunded_at)
       SELECT p.purchase_id, won.id, p.customer_id, p.amount, p.currency, p.purchased_at, p.refunded_at
         FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::text[], $5::timestamptz[], $6::int[], $7::timestamptz[])
              AS p(purchase_id, customer_id, amount, currency, purchased_at, window_days, refunded_at)
         CROSS JOIN LATERAL (
           SELECT o.id FROM opportunities o
            WHERE o.customer_id = p.customer_id AND o.status = 'won'
              AND o.closed_at <= p.purchased_at AND o.closed_at > p.purchased_at - make_interval(days => p.window_days)
            ORDER BY o.closed_at DESC, o.id DESC LIMIT 1) won
       ON CONFLICT (purchase_id) DO UPDATE SET refunded_at = coalesce(purchase_attributions.refunded_at, EXCLUDED.refunded_at)
       RETURNING purchase_id::text AS purchase_id`,
      [
        rows.map(({ purchase }) => purchase.purchaseId),
        rows.map(({ purchase }) => purchase.customerId),
        rows.map(({ purchase }) => purchase.amount),
        rows.map(({ purchase }) => purchase.currency),
        rows.map(({ purchase }) => purchase.purchasedAt),
        rows.map(({ windowDays }) => windowDays),
        rows.map(({ purchase }) => purchase.refundedAt ?? null),
      ],
    );
    return new Set(attributed.map((row) => row.purchase_id));
  }
}
