import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import type { Page } from '../../common/pagination/cursor.js';
import { ChangeLeadStatus } from './change-lead-status.js';
import { ConvertLead } from './convert-lead.js';
import { CreateLead } from './create-lead.js';
import {
  ChangeLeadStatusDto,
  ConversionDto,
  ConvertLeadDto,
  CreateLeadDto,
  LeadDto,
  ListLeadsQuery,
} from './dto/lead.dto.js';
import { toLeadDto } from './lead.presenter.js';
import { LeadsService } from './leads.service.js';

const SELLERS = ['manager', 'sales'] as const;

@ApiTags('sales')
@ApiBearerAuth()
@Controller('leads')
export class LeadsController {
  constructor(
    private readonly leads: LeadsService,
    private readonly createLead: CreateLead,
    private readonly changeStatus: ChangeLeadStatus,
    private readonly convertLead: ConvertLead,
  ) {}

  @Post()
  @Idempotent()
  @Allow({ roles: [...SELLERS, 'marketing'], scopes: ['leads:write'] })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: LeadDto, description: 'Assigned by the rules; duplicates flagged, never merged' })
  async create(
    @Body() dto: CreateLeadDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<LeadDto> {
    return toLeadDto(await this.createLead.execute(dto, principal, requestId));
  }

  @Get()
  @Allow({ roles: [...SELLERS] })
  @ApiPageResponse(LeadDto, 'Newest first: a salesperson’s own, a manager’s team’s and unassigned ones')
  list(@Query() query: ListLeadsQuery, @CurrentPrincipal() principal: Principal): Promise<Page<LeadDto>> {
    return this.leads.list(query, principal);
  }

  @Get(':id')
  @Allow({ roles: [...SELLERS] })
  @ApiOkResponse({ type: LeadDto, description: '`assignment` says why this salesperson' })
  get(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<LeadDto> {
    return this.leads.get(id, principal);
  }

  @Post(':id/status')
  @HttpCode(200)
  @Allow({ roles: [...SELLERS] })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you read; 412 if it changed since' })
  @ApiOkResponse({ type: LeadDto })
  async status(
    @UuidParam() id: string,
    @Body() dto: ChangeLeadStatusDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<LeadDto> {
    return toLeadDto(await this.changeStatus.execute(id, dto, ifMatch, principal, requestId));
  }

  @Post(':id/convert')
  @HttpCode(200)
  @Idempotent()
  @Allow({ roles: [...SELLERS] })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ type: ConversionDto, description: 'Customer and opportunity, created together or not at all' })
  convert(
    @UuidParam() id: string,
    @Body() dto: ConvertLeadDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ConversionDto> {
    return this.convertLead.execute(id, dto, principal, requestId);
  }
}
