import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../common/http/request-context.js';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { mapPage, Page, PageQuery } from '../../common/pagination/cursor.js';
import {
  AdjustPointsDto,
  LedgerEntryDto,
  LoyaltySummaryDto,
  RedeemRewardDto,
  RedemptionDto,
} from './dto/loyalty.dto.js';
import { toLedgerEntryDto } from './loyalty.presenter.js';
import { LoyaltyService } from './loyalty.service.js';
import { RedeemReward } from './redeem-reward.js';

const ALL_STAFF = ['manager', 'sales', 'agent', 'technician', 'marketing'] as const;

@ApiTags('loyalty')
@ApiBearerAuth()
@Controller('customers/:id/loyalty')
export class LoyaltyController {
  constructor(
    private readonly loyalty: LoyaltyService,
    private readonly redeemReward: RedeemReward,
  ) {}

  @Get()
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiOkResponse({ type: LoyaltySummaryDto })
  summary(@UuidParam() id: string): Promise<LoyaltySummaryDto> {
    return this.loyalty.summary(id);
  }

  @Get('ledger')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiPageResponse(LedgerEntryDto)
  async ledger(
    @UuidParam() id: string,
    @Query() query: PageQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<LedgerEntryDto>> {
    return mapPage(await this.loyalty.entries(id, query.limit, query.cursor, principal), toLedgerEntryDto);
  }

  @Post('redemptions')
  @Idempotent()
  @Allow({ roles: ['manager', 'sales', 'agent'] })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key never spends twice' })
  @ApiCreatedResponse({ type: RedemptionDto })
  redeem(
    @UuidParam() id: string,
    @Body() dto: RedeemRewardDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RedemptionDto> {
    return this.redeemReward.execute(id, dto.rewardId, dto.quantity ?? 1, principal, requestId);
  }

  @Post('adjustments')
  @Idempotent()
  @Allow({ roles: ['manager'] })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key never adjusts twice' })
  @ApiCreatedResponse({ type: LedgerEntryDto })
  async adjust(
    @UuidParam() id: string,
    @Body() dto: AdjustPointsDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<LedgerEntryDto> {
    return toLedgerEntryDto(await this.loyalty.adjust(id, dto.points, dto.reason, principal, requestId));
  }
}
