import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { purchaseCustomerSql, purchaseRefundedSql } from '../customers/customers.sql.js';
import { POINTS_PER_UNIT_SQL } from './loyalty-settings.repository.js';
import { earnMultiplierSql } from './tiers.repository.js';

export type LedgerKind = 'earn' | 'redeem' | 'adjust' | 'reversal' | 'expire';

export interface NewLedgerEntry {
  customerId: string;
  kind: LedgerKind;
  points: number;
  sourceType: string;
  sourceId: string;
  reason?: string | null;
  actorType?: string | null;
  actorId?: string | null;
}

export interface LedgerEntryRow {
  id: string;
  customerId: string;
  kind: LedgerKind;
  points: number;
  balanceAfter: number;
  sourceType: string;
  sourceId: string;
  reason: string | null;
  actorType: string | null;
  actorId: string | null;
  createdAt: Date;
}

/** What earning a purchase's points depends on, read under its customer's account lock. */
export interface PurchaseEarningFacts {
  /** Whose purchase it is now (null: no such purchase): a merge may have moved it while the lock was awaited. */
  customerNow: string | null;
  refunded: boolean;
  /** The earn multiplier of the customer's tier, as text. */
  multiplier: string;
  /** Null while the settings row does not exist yet. */
  pointsPerUnit: number | null;
}

export interface RewardRow {
  id: string;
  name: string;
  description: string | null;
  pointsCost: number;
  stock: number;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

// Points and balances are bigint (a purchase of 999,999,999,999.00 earns that many points); node-postgres
// returns bigint as text, and `ledgerEntry` turns it into a number (exact up to 2^53, 9 × 10^15 points).
const LEDGER_SELECT = `id::text AS id, customer_id AS "customerId", kind, points, balance_after AS "balanceAfter",
  source_type AS "sourceType", source_id AS "sourceId", reason, actor_type AS "actorType", actor_id AS "actorId", created_at AS "createdAt"`;
const REWARD_SELECT = `id, name, description, points_cost AS "pointsCost", stock, active, version, created_at AS "createdAt", updated_at AS "updatedAt"`;

@Injectable()
export class LoyaltyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Locks the customer's account row (creating it at zero), so balance changes are serialised per customer. */
  async lockBalance(tx: Tx, customerId: string): Promise<number> {
    await tx.query(`INSERT INTO loyalty_accounts (customer_id) VALUES ($1) ON CONFLICT (customer_id) DO NOTHING`, [
      customerId,
    ]);
    const [row] = await tx.query(`SELECT balance FROM loyalty_accounts WHERE customer_id = $1 FOR UPDATE`, [
      customerId,
    ]);
    return Number(row.balance);
  }

  /**
   * Locks the account of the customer the purchase belongs to now (creating it at zero) and returns its
   * balance, in one statement: the no-op update of a conflicting row takes its lock as FOR UPDATE
   * would. `fallbackCustomerId` when there is no such purchase. A merge that commits while this waits
   * for the lock can move the purchase: the caller checks whose it is again under the lock.
   */
  async lockAccountOfPurchase(
    tx: Tx,
    purchaseId: string,
    fallbackCustomerId: string,
  ): Promise<{ customerId: string; balance: number }> {
    const [row] = await tx.query(
      `INSERT INTO loyalty_accounts AS a (customer_id) SELECT coalesce(${purchaseCustomerSql('$1::uuid')}, $2::uuid)
       ON CONFLICT (customer_id) DO UPDATE SET balance = a.balance
       RETURNING a.customer_id AS "customerId", a.balance`,
      [purchaseId, fallbackCustomerId],
    );
    return { customerId: row.customerId, balance: Number(row.balance) };
  }

  /** The purchase's owner now, whether it was refunded, the customer's multiplier and the points rate, in one read. */
  async purchaseEarningFacts(tx: Tx, purchaseId: string, customerId: string): Promise<PurchaseEarningFacts> {
    const [row] = await tx.query(
      `SELECT ${purchaseCustomerSql('$1::uuid')} AS "customerNow", ${purchaseRefundedSql('$1::uuid')} AS refunded,
              ${earnMultiplierSql('$2::uuid')} AS multiplier, ${POINTS_PER_UNIT_SQL} AS "pointsPerUnit"`,
      [purchaseId, customerId],
    );
    return row;
  }

  async balance(customerId: string): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT balance FROM loyalty_accounts WHERE customer_id = $1`, [
      customerId,
    ]);
    return row ? Number(row.balance) : 0;
  }

  async findEntry(tx: Tx, sourceType: string, sourceId: string, kind: LedgerKind): Promise<LedgerEntryRow | null> {
    const [row] = await tx.query(
      `SELECT ${LEDGER_SELECT} FROM loyalty_ledger WHERE source_type = $1 AND source_id = $2 AND kind = $3`,
      [sourceType, sourceId, kind],
    );
    return row ? ledgerEntry(row) : null;
  }

  /** Appends an entry and moves the balance, in one statement; the caller holds the account lock and has checked the balance. */
  async append(tx: Tx, entry: NewLedgerEntry, balanceAfter: number): Promise<LedgerEntryRow> {
    const row = await this.appendUnlessRecorded(tx, entry, balanceAfter, false);
    return row!;
  }

  /**
   * Appends an entry and moves the balance, in one statement, unless this source already has an entry
   * of this kind (the ledger is unique on source and kind): then nothing moves and the result is null.
   * The caller holds the account lock and has checked the balance.
   */
  async appendUnlessRecorded(
    tx: Tx,
    entry: NewLedgerEntry,
    balanceAfter: number,
    skipRecorded = true,
  ): Promise<LedgerEntryRow | null> {
    const [row] = await tx.query(
      `WITH entry AS (
         INSERT INTO loyalty_ledger (customer_id, kind, points, balance_after, source_type, source_id, reason, actor_type, actor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ${skipRecorded ? 'ON CONFLICT (source_type, source_id, kind) DO NOTHING' : ''}
         RETURNING ${LEDGER_SELECT}
       ), account AS (
         UPDATE loyalty_accounts a SET balance = entry."balanceAfter", updated_at = now() FROM entry WHERE a.customer_id = entry."customerId"
       )
       SELECT * FROM entry`,
      [
        entry.customerId,
        entry.kind,
        entry.points,
        balanceAfter,
        entry.sourceType,
        entry.sourceId,
        entry.reason ?? null,
        entry.actorType ?? null,
        entry.actorId ?? null,
      ],
    );
    return row ? ledgerEntry(row) : null;
  }

  /**
   * A page of the ledger, newest first, without the entries from `hiddenSources` (source types). Ordered
   * by the table's bigint id: a bare `id` would be the select list's text id, and '99' sorts after '148'.
   */
  async ledger(
    customerId: string,
    beforeId: string | null,
    limit: number,
    hiddenSources: string[] = [],
  ): Promise<LedgerEntryRow[]> {
    const params: unknown[] = [customerId, limit + 1, hiddenSources];
    if (beforeId) params.push(beforeId);
    const rows = await this.dataSource.query(
      `SELECT ${LEDGER_SELECT} FROM loyalty_ledger
        WHERE customer_id = $1 AND source_type <> ALL ($3::text[]) ${beforeId ? 'AND loyalty_ledger.id < $4::bigint' : ''} ORDER BY loyalty_ledger.id DESC LIMIT $2`,
      params,
    );
    return rows.map(ledgerEntry);
  }

  /**
   * The points the daily expiry will have taken by `until` if nothing else changes: the credits older
   * than `until` minus the expiry months are what the expiry then takes, less every debit (debits use
   * the oldest points first, as the expiry itself reads them), never more than the balance.
   */
  async expiringBy(customerId: string, until: Date, expireMonths: number): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT least(coalesce((SELECT balance FROM loyalty_accounts WHERE customer_id = $1), 0),
                    greatest(0, coalesce(sum(points) FILTER (WHERE points > 0 AND created_at < $2::timestamptz - make_interval(months => $3)), 0)
                              + coalesce(sum(points) FILTER (WHERE points < 0), 0))) AS points
       FROM loyalty_ledger WHERE customer_id = $1`,
      [customerId, until, expireMonths],
    );
    return Number(row.points);
  }

  async ledgerSum(customerId: string): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT coalesce(sum(points), 0) AS sum FROM loyalty_ledger WHERE customer_id = $1`,
      [customerId],
    );
    return Number(row.sum);
  }

  /** One page of the catalogue, cheapest first (limit + 1 rows); `after` is the last row's [pointsCost, name, id]. */
  listRewards(includeInactive: boolean, after: string[] | null, limit: number): Promise<RewardRow[]> {
    const params: unknown[] = [limit + 1];
    const where = [includeInactive ? 'true' : 'active'];
    if (after)
      where.push(
        `(points_cost, name, id) > ($${params.push(after[0])}::int, $${params.push(after[1])}::text, $${params.push(after[2])}::uuid)`,
      );
    return this.dataSource.query(
      `SELECT ${REWARD_SELECT} FROM loyalty_rewards WHERE ${where.join(' AND ')} ORDER BY points_cost, name, id LIMIT $1`,
      params,
    );
  }

  async insertReward(
    tx: Tx,
    reward: { name: string; description: string | null; pointsCost: number; stock: number },
  ): Promise<RewardRow> {
    const [row] = await tx.query(
      `INSERT INTO loyalty_rewards (name, description, points_cost, stock) VALUES ($1, $2, $3, $4) RETURNING ${REWARD_SELECT}`,
      [reward.name, reward.description, reward.pointsCost, reward.stock],
    );
    return row;
  }

  async lockReward(tx: Tx, id: string): Promise<RewardRow | null> {
    const [row] = await tx.query(`SELECT ${REWARD_SELECT} FROM loyalty_rewards WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  async updateReward(
    tx: Tx,
    id: string,
    reward: Pick<RewardRow, 'name' | 'description' | 'pointsCost' | 'stock' | 'active'>,
  ): Promise<RewardRow> {
    const [rows] = await tx.query(
      `UPDATE loyalty_rewards SET name = $2, description = $3, points_cost = $4, stock = $5, active = $6, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${REWARD_SELECT}`,
      [id, reward.name, reward.description, reward.pointsCost, reward.stock, reward.active],
    );
    return rows[0];
  }

  /** Takes stock if there is enough; false when there is not. The row lock makes this safe under concurrency. */
  async takeStock(tx: Tx, rewardId: string, quantity: number): Promise<boolean> {
    const [, count] = await tx.query(
      `UPDATE loyalty_rewards SET stock = stock - $2, updated_at = now() WHERE id = $1 AND stock >= $2`,
      [rewardId, quantity],
    );
    return count === 1;
  }

  async insertRedemption(
    tx: Tx,
    customerId: string,
    rewardId: string,
    quantity: number,
    points: number,
  ): Promise<{ id: string; createdAt: Date }> {
    const [row] = await tx.query(
      `INSERT INTO loyalty_redemptions (customer_id, reward_id, quantity, points) VALUES ($1, $2, $3, $4) RETURNING id, created_at AS "createdAt"`,
      [customerId, rewardId, quantity, points],
    );
    return row;
  }
}

/** A ledger row as read, with its bigint points and balance as numbers. */
function ledgerEntry(row: LedgerEntryRow & { points: number | string; balanceAfter: number | string }): LedgerEntryRow {
  return { ...row, points: Number(row.points), balanceAfter: Number(row.balanceAfter) };
}
