import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../../common/auth/access.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../../common/http/request-context.js';
import { Idempotent } from '../../../common/idempotency/idempotency.interceptor.js';
import { ApiPageResponse } from '../../../common/pagination/api-page-response.js';
import type { Page } from '../../../common/pagination/cursor.js';
import {
  AddPlanEntryDto,
  CreateWorkPlanDto,
  ListWorkPlansQuery,
  RequestChangesDto,
  UpdateWorkPlanDto,
  WorkPlanDto,
} from './dto/work-plan.dto.js';
import { WorkPlansService } from './work-plans.service.js';

const IF_MATCH = { name: 'If-Match', required: false, description: 'The version you read; 412 if it changed since' };

@ApiTags('field sales')
@ApiBearerAuth()
@Allow({ roles: ['manager', 'sales'] })
@Controller('work-plans')
export class WorkPlansController {
  constructor(private readonly plans: WorkPlansService) {}

  @Post()
  @Idempotent()
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: WorkPlanDto, description: 'A draft; one plan per salesperson and week' })
  create(
    @Body() dto: CreateWorkPlanDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanDto> {
    return this.plans.create(dto, principal, requestId);
  }

  @Get()
  @ApiPageResponse(WorkPlanDto, 'Newest first: a salesperson’s own, a manager’s team’s')
  list(@Query() query: ListWorkPlansQuery, @CurrentPrincipal() principal: Principal): Promise<Page<WorkPlanDto>> {
    return this.plans.list(query, principal);
  }

  @Get(':id')
  @ApiOkResponse({ type: WorkPlanDto })
  get(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<WorkPlanDto> {
    return this.plans.get(id, principal);
  }

  @Patch(':id')
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({
    type: WorkPlanDto,
    description: 'The whole list of entries; a change by someone else notifies the owner',
  })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateWorkPlanDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanDto> {
    return this.plans.update(id, dto, ifMatch, principal, requestId);
  }

  @Post(':id/visits')
  @ApiHeader(IF_MATCH)
  @ApiCreatedResponse({ type: WorkPlanDto, description: 'One entry added at a place in its day' })
  addEntry(
    @UuidParam() id: string,
    @Body() dto: AddPlanEntryDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanDto> {
    return this.plans.addEntry(id, dto, ifMatch, principal, requestId);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: WorkPlanDto, description: 'draft → submitted, changes_requested → resubmitted (the owner)' })
  submit(
    @UuidParam() id: string,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanDto> {
    return this.plans.submit(id, ifMatch, principal, requestId);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Allow({ roles: ['manager'] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: WorkPlanDto, description: 'submitted or resubmitted → approved (the owner’s manager)' })
  approve(
    @UuidParam() id: string,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanDto> {
    return this.plans.approve(id, ifMatch, principal, requestId);
  }

  @Post(':id/request-changes')
  @HttpCode(200)
  @Allow({ roles: ['manager'] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: WorkPlanDto, description: 'Sent back with a comment (the owner’s manager)' })
  requestChanges(
    @UuidParam() id: string,
    @Body() dto: RequestChangesDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanDto> {
    return this.plans.requestChanges(id, dto.comment, ifMatch, principal, requestId);
  }
}
