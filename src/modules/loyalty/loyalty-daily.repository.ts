import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { outboxInsertSql } from '../../infrastructure/outbox/outbox.writer.js';
import { LoyaltyEvents } from './loyalty.events.js';

/**
 * Set-based points expiry and birthday rewards, one batch of customers (by id range) per statement.
 * Both lock the accounts they change and are keyed on the day they run for, so a rerun is harmless.
 */
/** SQL: the birth date's birthday falls on the day $1 (29 February counts on the 28th in other years). */
function isBirthdayOn(birthDate: string): string {
  const leapYear = `(extract(year FROM $1::date)::int % 4 = 0 AND (extract(year FROM $1::date)::int % 100 <> 0 OR extract(year FROM $1::date)::int % 400 = 0))`;
  return `(to_char(${birthDate}, 'MM-DD') = to_char($1::date, 'MM-DD')
           OR (to_char(${birthDate}, 'MM-DD') = '02-29' AND to_char($1::date, 'MM-DD') = '02-28' AND NOT ${leapYear}))`;
}

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
    const range = [afterId ? `a.customer_id > $${params.push(afterId)}::uuid` : 'true', upToId ? `a.customer_id <= $${params.push(upToId)}::uuid` : 'true'].join(' AND ');
    const [{ expired }] = await tx.query(
      `WITH locked AS (
         SELECT a.customer_id, a.balance FROM loyalty_accounts a WHERE a.balance > 0 AND ${range} FOR UPDATE
       ), due AS (
         SELECT locked.customer_id, locked.balance,
                least(locked.balance, greatest(0, sums.old_credits + sums.debits)) AS points
         FROM locked, LATERAL (
           SELECT coalesce(sum(points) FILTER (WHERE points > 0 AND created_at < $1), 0) AS old_credits,
                  coalesce(sum(points) FILTER (WHERE points < 0), 0) AS debits
           FROM loyalty_ledger l WHERE l.customer_id = locked.customer_id
         ) sums
       ), entries AS (
         INSERT INTO loyalty_ledger (customer_id, kind, points, balance_after, source_type, source_id, reason, actor_type)
         SELECT customer_id, 'expire', -points, balance - points, 'expiry', $2 || ':' || customer_id, 'credited before ' || to_char($1::timestamptz, 'YYYY-MM-DD'), 'system'
         FROM due WHERE points > 0
         ON CONFLICT (source_type, source_id, kind) DO NOTHING
         RETURNING customer_id, points, balance_after
       ), balances AS (
         UPDATE loyalty_accounts a SET balance = entries.balance_after, updated_at = now() FROM entries WHERE a.customer_id = entries.customer_id
       ), events AS (
         ${outboxInsertSql(LoyaltyEvents.pointsExpired, { from: 'entries', aggregateId: 'customer_id', payload: { customerId: 'customer_id', points: '-points', balance: 'balance_after' }, lane: 'bulk' })}
       )
       SELECT coalesce(-sum(points), 0)::int AS expired FROM entries`,
      params,
    );
    return expired;
  }

  /** Credits the birthday reward to every customer born on this month and day (29 February counts on the 28th in other years). */
  async birthdayRewards(tx: Tx, day: string, points: number): Promise<number> {
    const [{ rewarded }] = await tx.query(
      `WITH celebrating AS (
         SELECT id AS customer_id FROM customers
         WHERE deleted_at IS NULL AND birth_date IS NOT NULL
           AND ${isBirthdayOn('birth_date')}
       ), accounts AS (
         INSERT INTO loyalty_accounts (customer_id) SELECT customer_id FROM celebrating ON CONFLICT (customer_id) DO NOTHING
       )
       SELECT count(*)::int AS rewarded FROM celebrating`,
      [day],
    );
    if (!rewarded) return 0;
    // The accounts exist now (a second statement sees the insert above); lock and credit them.
    const [{ credited }] = await tx.query(
      `WITH celebrating AS (
         SELECT a.customer_id, a.balance FROM loyalty_accounts a JOIN customers c ON c.id = a.customer_id
         WHERE c.deleted_at IS NULL AND c.birth_date IS NOT NULL
           AND ${isBirthdayOn('c.birth_date')}
         FOR UPDATE OF a
       ), entries AS (
         INSERT INTO loyalty_ledger (customer_id, kind, points, balance_after, source_type, source_id, reason, actor_type)
         SELECT customer_id, 'earn', $2, balance + $2, 'birthday', customer_id || ':' || extract(year FROM $1::date), '生日礼', 'system' FROM celebrating
         ON CONFLICT (source_type, source_id, kind) DO NOTHING
         RETURNING customer_id, points, balance_after
       ), balances AS (
         UPDATE loyalty_accounts a SET balance = entries.balance_after, updated_at = now() FROM entries WHERE a.customer_id = entries.customer_id
       ), events AS (
         ${outboxInsertSql(LoyaltyEvents.birthdayRewarded, { from: 'entries', aggregateId: 'customer_id', payload: { customerId: 'customer_id', points: 'points', balance: 'balance_after' }, lane: 'bulk' })}
       )
       SELECT count(*)::int AS credited FROM entries`,
      [day, points],
    );
    return credited;
  }
}
