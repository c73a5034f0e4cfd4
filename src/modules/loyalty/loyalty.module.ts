import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module.js';
import { LoyaltyController } from './loyalty.controller.js';
import { LoyaltyDailyProcessor } from './loyalty-daily.processor.js';
import { LoyaltyDailyRepository } from './loyalty-daily.repository.js';
import { LoyaltyMergeStep } from './loyalty-merge.step.js';
import { LoyaltyRepository } from './loyalty.repository.js';
import { LoyaltySettingsController } from './loyalty-settings.controller.js';
import { LoyaltySettingsRepository } from './loyalty-settings.repository.js';
import { LoyaltySettingsService } from './loyalty-settings.service.js';
import { LoyaltyService } from './loyalty.service.js';
import { PointsLedger } from './points-ledger.js';
import { PurchasePointsHandler } from './purchase-points.handler.js';
import { RedeemReward } from './redeem-reward.js';
import { RewardsController } from './rewards.controller.js';
import { TierRecalculationProcessor } from './tier-recalculation.processor.js';
import { TierRecalculations } from './tier-recalculations.js';
import { TiersController } from './tiers.controller.js';
import { TiersRepository } from './tiers.repository.js';
import { TiersService } from './tiers.service.js';

/** Points ledger, rewards and redemptions, tiers and the programme's settings. */
@Module({
  imports: [CustomersModule],
  providers: [
    LoyaltyMergeStep,
    LoyaltyRepository,
    PointsLedger,
    LoyaltyService,
    RedeemReward,
    TiersRepository,
    TiersService,
    LoyaltySettingsRepository,
    LoyaltySettingsService,
  ],
  exports: [
    LoyaltyRepository,
    PointsLedger,
    LoyaltyService,
    RedeemReward,
    TiersRepository,
    TiersService,
    LoyaltySettingsService,
  ],
})
export class LoyaltyModule {}

/** The loyalty endpoints, served by api processes only. */
@Module({
  imports: [LoyaltyModule],
  controllers: [LoyaltyController, RewardsController, TiersController, LoyaltySettingsController],
})
export class LoyaltyHttpModule {}

/** Earning and reversing points and recalculating tiers from purchase events, in worker processes only. */
@Module({
  imports: [LoyaltyModule, CustomersModule],
  providers: [
    PurchasePointsHandler,
    TierRecalculations,
    TierRecalculationProcessor,
    LoyaltyDailyRepository,
    LoyaltyDailyProcessor,
  ],
})
export class LoyaltyWorkerModule {}
