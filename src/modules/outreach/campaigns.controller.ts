import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { PageQuery, type Page } from '../../common/pagination/cursor.js';
import { CampaignsService, toCampaignDto } from './campaigns.service.js';
import { CampaignDto, CampaignStatsDto, CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto.js';

const MARKETING = ['marketing'] as const;
const READERS = ['marketing', 'manager'] as const;

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @Allow({ roles: [...MARKETING] })
  @ApiCreatedResponse({ type: CampaignDto })
  create(
    @Body() dto: CreateCampaignDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CampaignDto> {
    return this.campaigns.create(dto, principal, requestId);
  }

  @Get()
  @Allow({ roles: [...READERS] })
  @ApiPageResponse(CampaignDto, 'Newest first')
  list(@Query() query: PageQuery): Promise<Page<CampaignDto>> {
    return this.campaigns.list(query);
  }

  @Get(':id')
  @Allow({ roles: [...READERS] })
  @ApiOkResponse({ type: CampaignDto })
  async get(@UuidParam() id: string): Promise<CampaignDto> {
    return toCampaignDto(await this.campaigns.get(id));
  }

  @Patch(':id')
  @Allow({ roles: [...MARKETING] })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you saw; a stale one fails with 412' })
  @ApiOkResponse({
    type: CampaignDto,
    description: 'Everything while a draft; after launch only name, cost and budget',
  })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateCampaignDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CampaignDto> {
    return this.campaigns.update(id, dto, ifMatch, principal, requestId);
  }

  @Post(':id/launch')
  @HttpCode(202)
  @Allow({ roles: [...MARKETING] })
  @ApiAcceptedResponse({
    type: CampaignDto,
    description: 'Scheduled: at scheduledAt (or at once) the audience is selected through the contact gate and sent',
  })
  launch(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CampaignDto> {
    return this.campaigns.launch(id, principal, requestId);
  }

  @Get(':id/stats')
  @Allow({ roles: [...READERS] })
  @ApiOkResponse({ type: CampaignStatsDto })
  stats(@UuidParam() id: string): Promise<CampaignStatsDto> {
    return this.campaigns.stats(id);
  }
}
