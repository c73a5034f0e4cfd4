import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { actorOf } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFound, Unprocessable } from '../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { CustomersService } from '../customers/customers.service.js';
import type { RedemptionDto } from './dto/loyalty.dto.js';
import { RewardOutOfStock } from './loyalty-errors.js';
import { LoyaltyRepository } from './loyalty.repository.js';
import { PointsLedger } from './points-ledger.js';
import { LoyaltyEvents } from './loyalty.events.js';

/** A customer spends points on a reward from the catalogue (R-L4). */
@Injectable()
export class RedeemReward {
  constructor(
    private readonly customers: CustomersService,
    private readonly loyalty: LoyaltyRepository,
    private readonly ledger: PointsLedger,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
  ) {}

  async execute(
    customerId: string,
    rewardId: string,
    quantity: number,
    principal: Principal,
    requestId?: string,
  ): Promise<RedemptionDto> {
    await this.customers.ownerOf(customerId); // 404 for a customer that does not exist
    return this.transactions.run(async (tx) => {
      // Lock order, always the same: the reward, then the customer's account.
      const reward = await this.loyalty.lockReward(tx, rewardId);
      if (!reward) throw new NotFound('Reward', rewardId);
      if (!reward.active)
        throw new Unprocessable(`The reward ${reward.name} is no longer offered.`, [
          { field: 'rewardId', message: 'reward is inactive' },
        ]);
      const points = reward.pointsCost * quantity;
      if (!(await this.loyalty.takeStock(tx, rewardId, quantity))) throw new RewardOutOfStock(reward.name);
      const redemption = await this.loyalty.insertRedemption(tx, customerId, rewardId, quantity, points);
      const { entry } = await this.ledger.apply(tx, {
        customerId,
        kind: 'redeem',
        points: -points,
        sourceType: 'redemption',
        sourceId: redemption.id,
        reason: `${quantity} × ${reward.name}`,
        ...actorOf(principal),
      });
      const result: RedemptionDto = {
        id: redemption.id,
        customerId,
        rewardId,
        quantity,
        points,
        balanceAfter: entry.balanceAfter,
        createdAt: redemption.createdAt.toISOString(),
      };
      await this.audit.record(tx, principal, requestId, {
        action: 'loyalty.reward_redeemed',
        entityType: 'customer',
        entityId: customerId,
        after: result,
      });
      await this.outbox.record(tx, LoyaltyEvents.rewardRedeemed, customerId, { redemption: result });
      return result;
    });
  }
}
