import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import type { Page } from '../../common/pagination/cursor.js';
import {
  CloseOpportunityDto,
  CreateOpportunityDto,
  ListOpportunitiesQuery,
  MoveStageDto,
  OpportunityDto,
  OpportunityWithHistoryDto,
  UpdateOpportunityDto,
} from './dto/opportunity.dto.js';
import { OpportunitiesService } from './opportunities.service.js';

const SELLERS = ['manager', 'sales'] as const;
const IF_MATCH = { name: 'If-Match', required: false, description: 'The version you read; 412 if it changed since' };

@ApiTags('sales')
@ApiBearerAuth()
@Allow({ roles: [...SELLERS] })
@Controller('opportunities')
export class OpportunitiesController {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @Post()
  @Idempotent()
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: OpportunityDto })
  create(
    @Body() dto: CreateOpportunityDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OpportunityDto> {
    return this.opportunities.create(dto, principal, requestId);
  }

  @Get()
  @ApiPageResponse(OpportunityDto, 'Newest first: a salesperson’s own, a manager’s team’s')
  list(
    @Query() query: ListOpportunitiesQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<OpportunityDto>> {
    return this.opportunities.list(query, principal);
  }

  @Get(':id')
  @ApiOkResponse({ type: OpportunityWithHistoryDto, description: 'With every stage it entered and when' })
  get(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<OpportunityWithHistoryDto> {
    return this.opportunities.get(id, principal);
  }

  @Patch(':id')
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: OpportunityDto })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateOpportunityDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OpportunityDto> {
    return this.opportunities.update(id, dto, ifMatch, principal, requestId);
  }

  @Post(':id/stage')
  @HttpCode(200)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: OpportunityDto })
  stage(
    @UuidParam() id: string,
    @Body() dto: MoveStageDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OpportunityDto> {
    return this.opportunities.moveStage(id, dto, ifMatch, principal, requestId);
  }

  @Post(':id/won')
  @HttpCode(200)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: OpportunityDto })
  won(
    @UuidParam() id: string,
    @Body() dto: CloseOpportunityDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OpportunityDto> {
    return this.opportunities.close(id, 'won', dto, ifMatch, principal, requestId);
  }

  @Post(':id/lost')
  @HttpCode(200)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: OpportunityDto, description: 'A reason is required' })
  lost(
    @UuidParam() id: string,
    @Body() dto: CloseOpportunityDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<OpportunityDto> {
    return this.opportunities.close(id, 'lost', dto, ifMatch, principal, requestId);
  }
}
