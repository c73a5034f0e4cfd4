import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { InsufficientPoints } from './loyalty-errors.js';
import { LedgerEntryRow, LoyaltyRepository, NewLedgerEntry } from './loyalty.repository.js';

/**
 * The only way points move. Within the caller's transaction it locks the customer's account, returns
 * the existing entry if this source already moved points (retries are harmless), refuses to go below
 * zero, then appends the entry and the new balance together.
 */
@Injectable()
export class PointsLedger {
  constructor(private readonly loyalty: LoyaltyRepository) {}

  async apply(tx: Tx, entry: NewLedgerEntry): Promise<{ entry: LedgerEntryRow; applied: boolean }> {
    const balance = await this.loyalty.lockBalance(tx, entry.customerId);
    const existing = await this.loyalty.findEntry(tx, entry.sourceType, entry.sourceId, entry.kind);
    if (existing) return { entry: existing, applied: false };
    const balanceAfter = balance + entry.points;
    if (balanceAfter < 0) throw new InsufficientPoints(balance, -entry.points);
    return { entry: await this.loyalty.append(tx, entry, balanceAfter), applied: true };
  }

  /** The balance under the account lock, for rules that depend on it (refund reversal). */
  lockedBalance(tx: Tx, customerId: string): Promise<number> {
    return this.loyalty.lockBalance(tx, customerId);
  }
}
