import { Injectable } from '@nestjs/common';
import { actorOf, maySeeSensitiveFields, Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFound, StaleVersion, ValidationFailed } from '../../common/errors/domain-errors.js';
import { decodeKeyCursor, type Page, type PageQuery, toKeyPage, UUID_PATTERN } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { CustomersService } from '../customers/customers.service.js';
import { CreateRewardDto, LoyaltySummaryDto, UpdateRewardDto } from './dto/loyalty.dto.js';
import { LedgerEntryRow, LoyaltyRepository, RewardRow } from './loyalty.repository.js';
import { LoyaltySettingsService } from './loyalty-settings.service.js';
import { PointsLedger } from './points-ledger.js';
import { TiersRepository } from './tiers.repository.js';
import { nextSteps } from './customer-value.js';
import { randomUUID } from 'node:crypto';
import { LoyaltyEvents } from './loyalty.events.js';

/** The ledger source of the yearly birthday reward (loyalty-daily.repository.ts). */
const BIRTHDAY_SOURCE = 'birthday';

/** "Points expiring soon" on the loyalty summary: what the daily expiry takes within this many days. */
const EXPIRING_SOON_DAYS = 30;

@Injectable()
export class LoyaltyService {
  constructor(
    private readonly loyalty: LoyaltyRepository,
    private readonly ledger: PointsLedger,
    private readonly customers: CustomersService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly settings: LoyaltySettingsService,
    private readonly tiers: TiersRepository,
  ) {}

  async summary(customerId: string): Promise<LoyaltySummaryDto> {
    await this.customers.ownerOf(customerId); // NotFound for a customer that does not exist
    const tierName = await this.tiers.tierOf(customerId);
    const definitions = await this.tiers.definitions();
    const tier = definitions.find((definition) => definition.name === tierName);
    const next = tier ? definitions.find((definition) => definition.rank === tier.rank - 1) : undefined;
    const value = await this.tiers.value(customerId);
    const settings = await this.settings.current();
    const expiringUntil = new Date(Date.now() + EXPIRING_SOON_DAYS * 86_400_000);
    return {
      customerId,
      balance: await this.loyalty.balance(customerId),
      pointsPerUnit: settings.pointsPerUnit,
      expiringSoon: {
        points: await this.loyalty.expiringBy(customerId, expiringUntil, settings.pointsExpireMonths),
        withinDays: EXPIRING_SOON_DAYS,
        until: expiringUntil.toISOString().slice(0, 10),
      },
      tier: tierName,
      earnMultiplier: tier?.earnMultiplier ?? '1.00',
      benefits: tier?.benefits ?? [],
      value: value && { score: value.score, monetary: value.monetary, frequency: value.frequency },
      nextTier:
        next && value
          ? {
              name: next.name,
              scoreGap: Math.max(next.effectiveMinScore - value.score, 0),
              toReach: nextSteps({ ...value, monetary: Number(value.monetary) }),
            }
          : null,
    };
  }

  /**
   * The ledger, newest first. A birthday reward's entry tells the birth date, so those who may not see
   * it (agents, technicians, marketing, keys without customers:sensitive) get the ledger without it;
   * the balance still counts it.
   */
  async entries(
    customerId: string,
    limit: number,
    cursor: string | undefined,
    principal: Principal,
  ): Promise<Page<LedgerEntryRow>> {
    await this.customers.ownerOf(customerId);
    if (cursor !== undefined && !/^\d{1,18}$/.test(cursor))
      throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not one this API issued' }]);
    const hiddenSources = maySeeSensitiveFields(principal) ? [] : [BIRTHDAY_SOURCE];
    const rows = await this.loyalty.ledger(customerId, cursor ?? null, limit, hiddenSources);
    const hasMore = rows.length > limit;
    const data = hasMore ? rows.slice(0, limit) : rows;
    return { data, nextCursor: hasMore ? data[data.length - 1].id : null };
  }

  /** A manager's manual adjustment; the reason is kept on the ledger entry and in the audit log. */
  async adjust(
    customerId: string,
    points: number,
    reason: string,
    principal: Principal,
    requestId?: string,
  ): Promise<LedgerEntryRow> {
    // The same rule as changing the customer: a manager adjusts the points of their team's customers.
    await this.customers.assertMayChangeCustomer(customerId, principal);
    return this.transactions.run(async (tx) => {
      const { entry } = await this.ledger.apply(tx, {
        customerId,
        kind: 'adjust',
        points,
        sourceType: 'adjustment',
        sourceId: randomUUID(),
        reason,
        ...actorOf(principal),
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'loyalty.points_adjusted',
        entityType: 'customer',
        entityId: customerId,
        after: entry,
        fields: ['points'],
      });
      await this.outbox.record(tx, LoyaltyEvents.pointsAdjusted, customerId, { entry });
      return entry;
    });
  }

  async listRewards(includeInactive: boolean, query: PageQuery): Promise<Page<RewardRow>> {
    const after = decodeKeyCursor(query.cursor, [/^\d{1,10}$/, /^[\s\S]{1,500}$/, UUID_PATTERN]);
    const rows = await this.loyalty.listRewards(includeInactive, after, query.limit);
    return toKeyPage(
      rows,
      query.limit,
      (row) => [row.pointsCost, row.name, row.id],
      (row) => row,
    );
  }

  createReward(dto: CreateRewardDto, principal: Principal, requestId?: string): Promise<RewardRow> {
    return this.transactions.run(async (tx) => {
      const reward = await this.loyalty.insertReward(tx, {
        name: dto.name,
        description: dto.description ?? null,
        pointsCost: dto.pointsCost,
        stock: dto.stock,
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'reward.created',
        entityType: 'reward',
        entityId: reward.id,
        after: reward,
      });
      return reward;
    });
  }

  updateReward(
    id: string,
    dto: UpdateRewardDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId?: string,
  ): Promise<RewardRow> {
    rejectNulls(dto, ['name', 'pointsCost', 'stock', 'active']);
    const expected = ifMatch ?? dto.version;
    return this.transactions.run(async (tx) => {
      const current = await this.loyalty.lockReward(tx, id);
      if (!current) throw new NotFound('Reward', id);
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('Reward', expected, current.version);
      const { version: _, ...changes } = dto;
      const updated = await this.loyalty.updateReward(tx, id, {
        ...current,
        ...changes,
        description: changes.description ?? current.description,
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'reward.updated',
        entityType: 'reward',
        entityId: id,
        before: current,
        after: updated,
      });
      return updated;
    });
  }
}
