import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { mapPage, Page, PageQuery } from '../../common/pagination/cursor.js';
import { CreateRewardDto, RewardDto, UpdateRewardDto } from './dto/loyalty.dto.js';
import { toRewardDto } from './loyalty.presenter.js';
import { LoyaltyService } from './loyalty.service.js';

export class ListRewardsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Include rewards no longer offered' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeInactive?: boolean;
}

@ApiTags('loyalty')
@ApiBearerAuth()
@Controller('loyalty/rewards')
export class RewardsController {
  constructor(private readonly loyalty: LoyaltyService) {}

  @Get()
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician', 'marketing'], scopes: ['customers:read'] })
  @ApiPageResponse(RewardDto)
  async list(@Query() query: ListRewardsQuery): Promise<Page<RewardDto>> {
    return mapPage(await this.loyalty.listRewards(query.includeInactive ?? false, query), toRewardDto);
  }

  @Post()
  @Allow({ roles: ['marketing'] })
  @ApiCreatedResponse({ type: RewardDto })
  async create(
    @Body() dto: CreateRewardDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RewardDto> {
    return toRewardDto(await this.loyalty.createReward(dto, principal, requestId));
  }

  @Patch(':id')
  @Allow({ roles: ['marketing'] })
  @ApiOkResponse({ type: RewardDto })
  async update(
    @UuidParam() id: string,
    @Body() dto: UpdateRewardDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RewardDto> {
    return toRewardDto(await this.loyalty.updateReward(id, dto, ifMatch, principal, requestId));
  }
}
