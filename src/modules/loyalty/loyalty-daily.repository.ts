import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { outboxInsertSql } from '../../infrastructure/outbox/outbox.writer.js';
import { customersWithBirthdayOnSql } from '../customers/customers.sql.js';
import { LoyaltyEvents } from './loyalty.events.js';
import { applyLedgerEntriesSql, lockedAccountsSql, openAccountsSql } from './points-ledger.js';

/**
 * Set-based points expiry and birthday rewards, one batch of customers (by id range) per statement.
 * Both lock the accounts they change and are keyed on the day they run for, so a rerun is harmless.
 * Points move through the ledger's set-based form (applyLedgerEntriesSql, beside PointsLedger).
 */
@Injectable()
export class LoyaltyDailyRepository {
  constructor(private readonly dataSource: DataSource) {}

  async accountBatchUpperBound(afterId: string | null, batchSize: number): Promise<string | null> {
    const [row] = await this.dataSource.query(
      `SELECT customer_id AS id FROM loyalty_accounts WHERE ${afterId ? 'customer_id > $2::uuid' : 'true'} ORDER BY customer_id OFFSET $1 - 1 LIMIT 1`,
      afterId ? [batchSize, afterId] : [batchSize],
    );
    return row?.id ?? null;
  }

  /**
   * Expires, oldest first, the points credited before the cutoff that are still unspent: every debit
   * (redemption, negative adjustment, reversal, earlier expiry) used the oldest points first, so what
   * is left of the old credits is their sum minus all debits. Never more than the balance.
   */
  async expire(tx: Tx, cutoff: Date, day: string, afterId: string | null, upToId: string | null): Promise<number> {
    const params: unknown[] = [cutoff, day];
    const range = [
      afterId ? `a.customer_id > $${params.push(afterId)}::uuid` : 'true',
      upToId ? `a.customer_id <= $${params.push(upToId)}::uuid` : 'true',
    ].join(' AND ');
    const [{ expired }] = await tx.query(
      `WITH locked AS (
         ${lockedAccountsSql(`a.balance > 0 AND ${range}`)}
       ), due AS (
         SELECT locked.customer_id, locked.balance,
                least(locked.balance, greatest(0, sums.old_credits + sums.debits)) AS points
         FROM locked, LATERAL (
           SELECT coalesce(sum(points) FILTER (WHERE points > 0 AND created_at < $1), 0) AS old_credits,
                  coalesce(sum(points) FILTER (WHERE points < 0), 0) AS debits
           FROM loyalty_ledger l WHERE l.customer_id = locked.customer_id
         ) sums
       ), ${applyLedgerEntriesSql({
         from: 'due WHERE points > 0',
         customerId: 'customer_id',
         kind: 'expire',
         points: '-points',
         balanceAfter: 'balance - points',
         sourceType: 'expiry',
         sourceId: `$2 || ':' || customer_id`,
         reason: `'credited before ' || to_char($1::timestamptz, 'YYYY-MM-DD')`,
       })}, events AS (
         ${outboxInsertSql(LoyaltyEvents.pointsExpired, { from: 'entries', aggregateId: 'customer_id', payload: { customerId: 'customer_id', points: '-points', balance: 'balance_after' }, lane: 'bulk' })}
       )
       SELECT coalesce(-sum(points), 0)::bigint AS expired FROM entries`,
      params,
    );
    return Number(expired);
  }

  /** Credits the birthday reward to every customer born on this month and day (29 February counts on the 28th in other years). */
  async birthdayRewards(tx: Tx, day: string, points: number): Promise<number> {
    const [{ rewarded }] = await tx.query(
      `WITH celebrating AS (
         ${customersWithBirthdayOnSql('$1::date')}
       ), accounts AS (
         ${openAccountsSql('SELECT id FROM celebrating')}
       )
       SELECT count(*)::int AS rewarded FROM celebrating`,
      [day],
    );
    if (!rewarded) return 0;
    // The accounts exist now (a second statement sees the insert above); lock and credit them.
    const [{ credited }] = await tx.query(
      `WITH celebrating AS (
         ${lockedAccountsSql(`a.customer_id IN (${customersWithBirthdayOnSql('$1::date')})`)}
       ), ${applyLedgerEntriesSql({
         from: 'celebrating',
         customerId: 'customer_id',
         kind: 'earn',
         points: '$2',
         balanceAfter: 'balance + $2',
         sourceType: 'birthday',
         sourceId: `customer_id || ':' || extract(year FROM $1::date)`,
         reason: `'生日礼'`,
       })}, events AS (
         ${outboxInsertSql(LoyaltyEvents.birthdayRewarded, { from: 'entries', aggregateId: 'customer_id', payload: { customerId: 'customer_id', points: 'points', balance: 'balance_after' }, lane: 'bulk' })}
       )
       SELECT count(*)::int AS credited FROM entries`,
      [day, points],
    );
    return credited;
  }
}
