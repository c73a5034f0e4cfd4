import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type CustomerErasure,
  type CustomerMergePair,
  CustomerMergeSteps,
  ERASED_TEXTS_SELECT,
  type ErasedRows,
  erasedRows,
  eraseTexts,
  type MovedRows,
  updatedRows,
} from '../../common/customer-data/customer-merge-steps.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

interface LoyaltyUndo {
  ledger: string[];
  redemptions: string[];
  tierHistory: string[];
  /** The duplicate's balance, added to the survivor's. */
  points: number;
}

/**
 * The loyalty module's part of a customer merge: the duplicate's ledger entries, redemptions and tier
 * history move to the survivor, and its balance is added to the survivor's (its own goes to 0), so the
 * survivor's ledger still sums to its balance. The value row (RFM, tier) is derived: the survivor's is
 * recomputed at its next purchase or the nightly run.
 */
@Injectable()
export class LoyaltyMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'loyalty',
      moveToSurvivor: (tx, pair) => this.moveToSurvivor(tx, pair),
      exportRows: async (tx, customerId) => ({
        loyalty_accounts: await tx.query(`SELECT * FROM loyalty_accounts WHERE customer_id = $1`, [customerId]),
        loyalty_ledger: await tx.query(`SELECT * FROM loyalty_ledger WHERE customer_id = $1 ORDER BY id`, [customerId]),
        loyalty_redemptions: await tx.query(
          `SELECT * FROM loyalty_redemptions WHERE customer_id = $1 ORDER BY created_at`,
          [customerId],
        ),
        tier_history: await tx.query(`SELECT * FROM tier_history WHERE customer_id = $1 ORDER BY id`, [customerId]),
        customer_values: await tx.query(`SELECT * FROM customer_values WHERE customer_id = $1`, [customerId]),
      }),
      moveBack: (tx, pair, undo) => this.moveBack(tx, pair, undo as LoyaltyUndo),
      erase: (tx, erasure) => this.erase(tx, erasure),
    });
  }

  async moveToSurvivor(tx: Tx, { survivorId, duplicateId }: CustomerMergePair): Promise<MovedRows> {
    const ids = async (sql: string) =>
      updatedRows<{ id: string }>(await tx.query(sql, [survivorId, duplicateId])).map((row) => String(row.id));
    // Both accounts locked in id order, as every balance change locks them.
    const accounts: { customer_id: string; balance: string }[] = await tx.query(
      `SELECT customer_id, balance FROM loyalty_accounts WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id FOR UPDATE`,
      [[survivorId, duplicateId]],
    );
    const points = Number(accounts.find((account) => account.customer_id === duplicateId)?.balance ?? 0);
    const ledger = await ids(`UPDATE loyalty_ledger SET customer_id = $1 WHERE customer_id = $2 RETURNING id`);
    const redemptions = await ids(
      `UPDATE loyalty_redemptions SET customer_id = $1 WHERE customer_id = $2 RETURNING id`,
    );
    const tierHistory = await ids(`UPDATE tier_history SET customer_id = $1 WHERE customer_id = $2 RETURNING id`);
    if (points > 0 || accounts.some((account) => account.customer_id === duplicateId)) {
      await tx.query(
        `INSERT INTO loyalty_accounts (customer_id, balance) VALUES ($1, $2)
         ON CONFLICT (customer_id) DO UPDATE SET balance = loyalty_accounts.balance + EXCLUDED.balance, updated_at = now()`,
        [survivorId, points],
      );
      await tx.query(`UPDATE loyalty_accounts SET balance = 0, updated_at = now() WHERE customer_id = $1`, [
        duplicateId,
      ]);
    }
    const undo: LoyaltyUndo = { ledger, redemptions, tierHistory, points };
    return {
      counts: {
        loyalty_ledger: ledger.length,
        loyalty_redemptions: redemptions.length,
        tier_history: tierHistory.length,
        points,
      },
      undo,
    };
  }

  /** The survivor's balance goes down by what came (the CHECK refuses it if those points were spent). */
  async moveBack(tx: Tx, { survivorId, duplicateId }: CustomerMergePair, undo: LoyaltyUndo): Promise<void> {
    await tx.query(
      `SELECT customer_id FROM loyalty_accounts WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id FOR UPDATE`,
      [[survivorId, duplicateId]],
    );
    if (undo.points > 0) {
      await tx.query(`UPDATE loyalty_accounts SET balance = balance - $2, updated_at = now() WHERE customer_id = $1`, [
        survivorId,
        undo.points,
      ]);
      await tx.query(`UPDATE loyalty_accounts SET balance = balance + $2, updated_at = now() WHERE customer_id = $1`, [
        duplicateId,
        undo.points,
      ]);
    }
    await tx.query(`UPDATE loyalty_ledger SET customer_id = $2 WHERE id = ANY($1::bigint[])`, [
      undo.ledger,
      duplicateId,
    ]);
    await tx.query(`UPDATE loyalty_redemptions SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [
      undo.redemptions,
      duplicateId,
    ]);
    await tx.query(`UPDATE tier_history SET customer_id = $2 WHERE id = ANY($1::bigint[])`, [
      undo.tierHistory,
      duplicateId,
    ]);
  }

  /**
   * The ledger, balance, redemptions, tier history and value stay (the books and the tier reports need
   * them, and they say nothing of the person once the customer is anonymised); only the free-text
   * reasons staff gave for adjustments go.
   */
  async erase(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
    return erasedRows({
      loyalty_ledger: await eraseTexts(
        tx,
        `WITH old AS (
           SELECT id, ARRAY[reason] AS texts FROM loyalty_ledger
           WHERE customer_id = ANY($1::uuid[]) AND reason IS NOT NULL FOR UPDATE),
         done AS (UPDATE loyalty_ledger l SET reason = NULL FROM old WHERE l.id = old.id)
         ${ERASED_TEXTS_SELECT}`,
        [customerIds],
      ),
    });
  }
}
