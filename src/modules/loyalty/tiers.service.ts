import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { ValidationFailed } from '../../common/errors/domain-errors.js';
import { FreshRead } from '../../common/fresh-read.js';
import { MicroBatch } from '../../common/micro-batch.js';
import {
  decodeCursor,
  decodeKeyCursor,
  type Page,
  type PageQuery,
  toKeyPage,
  toPage,
} from '../../common/pagination/cursor.js';
import { nextSteps } from './customer-value.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { CustomersService } from '../customers/customers.service.js';
import type { ReplaceTiersDto, UpsellCandidateDto, UpsellQuery } from './dto/tiers.dto.js';
import { TierDefinitionRow, TierHistoryRow, TiersRepository } from './tiers.repository.js';

/**
 * The tier pass runs in this many id-range batches, each a short transaction, so purchases keep
 * committing meanwhile. Ids are random (gen_random_uuid), so equal slices of the uuid space are
 * batches of about equal size at no cost to find them.
 */
const TIER_BATCHES = 16;

function uuidSlices(count: number): { afterId: string | null; upToId: string | null }[] {
  const boundary = (index: number) => {
    const hex = Math.floor((index * 0x1_0000_0000) / count - 1)
      .toString(16)
      .padStart(8, '0');
    return `${hex}-ffff-ffff-ffff-ffffffffffff`;
  };
  return Array.from({ length: count }, (_, index) => ({
    afterId: index === 0 ? null : boundary(index),
    upToId: index === count - 1 ? null : boundary(index + 1),
  }));
}

export interface RecalculationResult {
  /** Customers whose value (recency, frequency, spending or score) changed. */
  valuesChanged: number;
  tierChanges: number;
  thresholds: Record<string, { score: number; monetary: string }>;
  /** Milliseconds spent valuing, finding the share thresholds and applying tiers. */
  timings: { values: number; thresholds: number; tiers: number };
}

/** Customer value and tiers (R-V1): the rules, one customer's recalculation and everyone's. */
@Injectable()
export class TiersService {
  constructor(
    private readonly tiers: TiersRepository,
    private readonly customers: CustomersService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  definitions(): Promise<TierDefinitionRow[]> {
    return this.tiers.definitions();
  }

  private readonly recentDefinitions = new FreshRead(async () => {
    const { definitions, readAt } = await this.tiers.definitionsWithReadTime();
    return { value: definitions, readAt };
  });

  /**
   * The definitions as read after `occurredAt` (an event's time): every change saved before it is in
   * them. The events handled around the same time share one read (FreshRead).
   */
  definitionsSince(occurredAt: Date | string): Promise<TierDefinitionRow[]> {
    return this.recentDefinitions.since(occurredAt);
  }

  /** Replaces the tier rules; they apply from the next recalculation. */
  async replaceDefinitions(
    dto: ReplaceTiersDto,
    principal: Principal,
    requestId?: string,
  ): Promise<TierDefinitionRow[]> {
    const tiers = [...dto.tiers].sort((a, b) => a.rank - b.rank);
    const errors = tiers.flatMap((tier, index) => {
      const field = `tiers.${index}`;
      const problems = [];
      if (tier.rank !== index + 1)
        problems.push({ field: `${field}.rank`, message: 'ranks must be 1, 2, 3… without gaps' });
      if ((tier.minScore ?? null) === null && (tier.topShare ?? null) === null && index !== tiers.length - 1) {
        problems.push({ field, message: 'every tier but the lowest needs minScore or topShare' });
      }
      if ((tier.minScore ?? null) !== null && (tier.topShare ?? null) !== null)
        problems.push({ field, message: 'give minScore or topShare, not both' });
      return problems;
    });
    if (new Set(tiers.map((tier) => tier.name)).size !== tiers.length)
      errors.push({ field: 'tiers', message: 'tier names must be unique' });
    if (errors.length) throw new ValidationFailed(errors);
    return this.transactions.run(async (tx) => {
      const before = await this.tiers.definitions(tx);
      await this.tiers.replaceDefinitions(
        tx,
        tiers.map((tier, index) => ({
          name: tier.name,
          rank: tier.rank,
          minScore:
            index === tiers.length - 1 && tier.topShare == null ? (tier.minScore ?? 0) : (tier.minScore ?? null),
          topShare: tier.topShare ?? null,
          earnMultiplier: tier.earnMultiplier,
          benefits: tier.benefits,
        })),
      );
      await this.tiers.updateShareThresholds(tx);
      const after = await this.tiers.definitions(tx);
      await this.audit.record(tx, principal, requestId, {
        action: 'tiers.replaced',
        entityType: 'tier_definitions',
        entityId: null,
        before,
        after,
      });
      return after;
    });
  }

  /** Customers close to the next tier, for their salesperson (R-V4). A salesperson sees only their own. */
  async upsellCandidates(query: UpsellQuery, principal: Principal): Promise<UpsellCandidateDto[]> {
    const ownerId = query.ownerId ?? principal.id;
    await this.customers.assertMayReadCustomersOf(ownerId, principal);
    const rows = await this.tiers.upsellCandidates(ownerId, query.maxScoreGap ?? 2, query.limit ?? 50);
    return rows.map(({ daysSinceLastPurchase, frequency, ...row }) => ({
      ...row,
      toReach: nextSteps({ daysSinceLastPurchase, frequency, monetary: Number(row.monetary) }),
    }));
  }

  async history(customerId: string, query: PageQuery): Promise<Page<TierHistoryRow>> {
    await this.customers.ownerOf(customerId);
    const rows = await this.tiers.history(
      customerId,
      decodeCursor(query.cursor, /^\d{1,19}$/)?.id ?? null,
      query.limit,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.cursorAt, id: row.id }),
      ({ cursorAt: _, ...row }) => row,
    );
  }

  async definitionsPage(query: PageQuery): Promise<Page<TierDefinitionRow>> {
    const [afterRank] = decodeKeyCursor(query.cursor, [/^\d{1,9}$/]) ?? [];
    const rows = await this.tiers.definitionsPage(afterRank === undefined ? null : Number(afterRank), query.limit);
    return toKeyPage(
      rows,
      query.limit,
      (row) => [row.rank],
      (row) => row,
    );
  }

  /**
   * One customer, with the thresholds of the last full run. Returns whether the tier changed. A job
   * queued for a customer merged away since recalculates the survivor, which holds its purchases now;
   * the merged-away tombstone keeps its last value row as it was, and gets no new tier.
   *
   * The customers recalculated at the same moment (the tier-recalc worker runs several jobs at once)
   * share one transaction of two statements, per cause; a batch the database refuses is retried one
   * customer at a time, so one bad job fails only itself.
   */
  recalculateCustomer(customerId: string, cause: string): Promise<boolean> {
    let batch = this.customerBatches.get(cause);
    if (!batch) {
      batch = new MicroBatch((ids: string[]) => this.recalculateCustomers(ids, cause), 100, 2);
      this.customerBatches.set(cause, batch);
    }
    return batch.call(customerId).then((outcome) => {
      if (outcome instanceof Error) throw outcome;
      return outcome;
    });
  }

  private readonly customerBatches = new Map<string, MicroBatch<string, boolean | Error>>();

  private async recalculateCustomers(customerIds: string[], cause: string): Promise<(boolean | Error)[]> {
    try {
      return await this.recalculateTogether(customerIds, cause);
    } catch (error) {
      if (customerIds.length === 1) return [error instanceof Error ? error : new Error(String(error))];
      return Promise.all(
        customerIds.map((id) =>
          this.recalculateTogether([id], cause).then(
            ([changed]) => changed,
            (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
          ),
        ),
      );
    }
  }

  private recalculateTogether(customerIds: string[], cause: string): Promise<boolean[]> {
    return this.transactions.run(async (tx) => {
      const valued = await this.tiers.computeValuesOfCustomersOrSurvivors(
        tx,
        customerIds,
        this.config.VALUE_WINDOW_MONTHS,
      );
      if (!valued.size) return customerIds.map(() => false);
      const moved = new Set(await this.tiers.applyTiersOf(tx, [...new Set(valued.values())], cause));
      return customerIds.map((id) => {
        const valuedId = valued.get(id.toLowerCase());
        return valuedId !== undefined && moved.has(valuedId);
      });
    });
  }

  /** A deleted customer no longer counts towards the value pyramid. */
  forgetCustomer(customerId: string): Promise<void> {
    return this.tiers.forgetValue(customerId);
  }

  /**
   * Everyone: all values in one set-based statement (only changed rows written), a first value row
   * for customers created since the last run, then the share thresholds, then tiers in id-range
   * batches of short transactions, so purchases keep committing meanwhile (a purchase during the run
   * is picked up by its own recalculation, which the run then leaves alone).
   */
  async recalculateAll(
    cause: string,
    onProgress: (percent: number) => Promise<void> = () => Promise.resolve(),
  ): Promise<RecalculationResult> {
    const { runId, lastCompletedStart } = await this.tiers.startRecalculation(cause);
    const started = performance.now();
    let valuesChanged = await this.transactions.run((tx) =>
      this.tiers.computeAllValues(tx, this.config.VALUE_WINDOW_MONTHS),
    );
    // A customer created in a transaction that began before the last run but committed after it:
    // look back a day further than the last run's start.
    const since = lastCompletedStart && new Date(lastCompletedStart.getTime() - 86_400_000);
    valuesChanged += await this.transactions.run((tx) => this.tiers.addCustomersWithoutValue(tx, since));
    await onProgress(50);
    const valued = performance.now();
    await this.transactions.run((tx) => this.tiers.updateShareThresholds(tx));
    const thresholded = performance.now();
    let tierChanges = 0;
    const batches = uuidSlices(TIER_BATCHES);
    for (const [index, batch] of batches.entries()) {
      tierChanges += await this.transactions.run((tx) => this.tiers.applyTiers(tx, batch, cause));
      await onProgress(50 + Math.round(((index + 1) / batches.length) * 50));
    }
    const timings = {
      values: Math.round(valued - started),
      thresholds: Math.round(thresholded - valued),
      tiers: Math.round(performance.now() - thresholded),
    };
    await this.tiers.finishRecalculation(runId, valuesChanged, tierChanges);
    const thresholds = Object.fromEntries(
      (await this.tiers.definitions()).map((tier) => [
        tier.name,
        { score: tier.effectiveMinScore, monetary: tier.effectiveMinMonetary },
      ]),
    );
    return { valuesChanged, tierChanges, thresholds, timings };
  }
}
