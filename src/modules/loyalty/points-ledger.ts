import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { InsufficientPoints } from './loyalty-errors.js';
import { LedgerEntryRow, LoyaltyRepository, type LedgerKind, type NewLedgerEntry } from './loyalty.repository.js';

/**
 * The only way points move. Within the caller's transaction it locks the customer's account, returns
 * the existing entry if this source already moved points (retries are harmless), refuses to go below
 * zero, then appends the entry and the new balance together.
 */
@Injectable()
export class PointsLedger {
  constructor(private readonly loyalty: LoyaltyRepository) {}

  /**
   * `locked`: the balance `lockedBalance` returned for this customer earlier in this transaction, when
   * nothing in the transaction has moved the customer's points since — the account is then locked
   * already, and is not locked and read a second time (two statements of every purchase's earning).
   */
  async apply(
    tx: Tx,
    entry: NewLedgerEntry,
    locked?: { balance: number },
  ): Promise<{ entry: LedgerEntryRow; applied: boolean }> {
    const balance = locked ? locked.balance : await this.loyalty.lockBalance(tx, entry.customerId);
    const balanceAfter = balance + entry.points;
    if (balanceAfter < 0) {
      // A rerun of what already moved points is harmless even when the balance could not pay it now.
      const existing = await this.recorded(tx, entry);
      if (existing) return { entry: existing, applied: false };
      throw new InsufficientPoints(balance, -entry.points);
    }
    // The append skips a source that already has its entry (one statement when it has not, the usual case).
    const appended = await this.loyalty.appendUnlessRecorded(tx, entry, balanceAfter);
    if (appended) return { entry: appended, applied: true };
    const existing = await this.recorded(tx, entry);
    if (!existing) throw new Error(`ledger entry of ${entry.sourceType} ${entry.sourceId} neither appended nor found`);
    return { entry: existing, applied: false };
  }

  private recorded(tx: Tx, entry: NewLedgerEntry): Promise<LedgerEntryRow | null> {
    return this.loyalty.findEntry(tx, entry.sourceType, entry.sourceId, entry.kind);
  }

  /** The balance under the account lock, for rules that depend on it (refund reversal). */
  lockedBalance(tx: Tx, customerId: string): Promise<number> {
    return this.loyalty.lockBalance(tx, customerId);
  }
}

/**
 * The set-based form of `PointsLedger.apply`, for the daily jobs (expiry, birthday rewards) that move
 * points for many customers in one statement: two CTEs, `entries` and `balances`. `from` must yield the
 * accounts already locked by the caller (`FOR UPDATE` on loyalty_accounts, balance read under the lock,
 * as `lockedAccountsSql` does), one row per customer; each gets one ledger entry per source and kind
 * (`ON CONFLICT DO NOTHING`, so a rerun for the same day moves nothing) and its account the entry's
 * balance. `entries` returns customer_id, points and balance_after. The values are SQL expressions
 * over `from`; the caller keeps the balance from going negative (the CHECK on loyalty_accounts refuses it).
 */
export function applyLedgerEntriesSql(source: {
  from: string;
  customerId: string;
  kind: LedgerKind;
  points: string;
  balanceAfter: string;
  sourceType: string;
  sourceId: string;
  reason: string;
}): string {
  if (!/^[a-z_]+$/.test(source.sourceType))
    throw new Error(`ledger source type "${source.sourceType}": lower-case words joined by _`);
  return `entries AS (
         INSERT INTO loyalty_ledger (customer_id, kind, points, balance_after, source_type, source_id, reason, actor_type)
         SELECT ${source.customerId}, '${source.kind}', ${source.points}, ${source.balanceAfter}, '${source.sourceType}', ${source.sourceId}, ${source.reason}, 'system'
         FROM ${source.from}
         ON CONFLICT (source_type, source_id, kind) DO NOTHING
         RETURNING customer_id, points, balance_after
       ), balances AS (
         UPDATE loyalty_accounts a SET balance = entries.balance_after, updated_at = now() FROM entries WHERE a.customer_id = entries.customer_id
       )`;
}

/** SQL: the accounts (customer_id, balance) matching `where` (over alias `a`), locked for this transaction. */
export function lockedAccountsSql(where: string): string {
  return `SELECT a.customer_id, a.balance FROM loyalty_accounts a WHERE ${where} FOR UPDATE`;
}

/** SQL: opens an account (balance 0) for each customer_id `customerIds` yields that has none. */
export function openAccountsSql(customerIds: string): string {
  return `INSERT INTO loyalty_accounts (customer_id) ${customerIds} ON CONFLICT (customer_id) DO NOTHING`;
}
