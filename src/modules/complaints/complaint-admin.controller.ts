import { Body, Controller, Get, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId } from '../../common/http/request-context.js';
import {
  ComplaintCategoryDto,
  ComplaintCategoryListDto,
  ComplaintSettingsDto,
  ComplaintTargetsDto,
  CreateComplaintCategoryDto,
  CreateRootCauseDto,
  ReplaceComplaintTargetsDto,
  RootCauseDto,
  RootCauseListDto,
  UpdateComplaintSettingsDto,
  UpdateTaxonomyEntryDto,
} from './dto/complaint-admin.dto.js';
import { ComplaintAdminService } from './complaint-admin.service.js';

const STAFF = ['manager', 'agent', 'sales', 'marketing'] as const;
const IF_MATCH = { name: 'If-Match', required: false, description: 'The version you read; 412 if it changed since' };

/** The complaint taxonomies, targets and escalation settings: everyone handling complaints reads them, administrators change them. */
@ApiTags('complaints')
@ApiBearerAuth()
@Controller('admin')
export class ComplaintAdminController {
  constructor(private readonly admin: ComplaintAdminService) {}

  @Get('complaint-categories')
  @Allow({ roles: [...STAFF], scopes: ['complaints:write'] })
  @ApiOkResponse({ type: ComplaintCategoryListDto })
  async categories(): Promise<ComplaintCategoryListDto> {
    return { data: await this.admin.categories() };
  }

  @Post('complaint-categories')
  @Allow({ roles: [] })
  @ApiCreatedResponse({ type: ComplaintCategoryDto })
  createCategory(
    @Body() dto: CreateComplaintCategoryDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintCategoryDto> {
    return this.admin.createCategory(dto, principal, requestId);
  }

  @Patch('complaint-categories/:code')
  @Allow({ roles: [] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: ComplaintCategoryDto })
  async updateCategory(
    @Param('code') code: string,
    @Body() dto: UpdateTaxonomyEntryDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintCategoryDto> {
    const { parentCode: _parent, ...category } = await this.admin.updateEntry(
      'category',
      code,
      dto,
      ifMatch,
      principal,
      requestId,
    );
    return category;
  }

  @Get('complaint-root-causes')
  @Allow({ roles: [...STAFF], scopes: ['complaints:write'] })
  @ApiOkResponse({ type: RootCauseListDto })
  async rootCauses(): Promise<RootCauseListDto> {
    return { data: await this.admin.rootCauses() };
  }

  @Post('complaint-root-causes')
  @Allow({ roles: [] })
  @ApiCreatedResponse({ type: RootCauseDto })
  createRootCause(
    @Body() dto: CreateRootCauseDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RootCauseDto> {
    return this.admin.createRootCause(dto, principal, requestId);
  }

  @Patch('complaint-root-causes/:code')
  @Allow({ roles: [] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: RootCauseDto })
  updateRootCause(
    @Param('code') code: string,
    @Body() dto: UpdateTaxonomyEntryDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RootCauseDto> {
    return this.admin.updateEntry('rootCause', code, dto, ifMatch, principal, requestId);
  }

  @Get('complaint-targets')
  @Allow({ roles: ['manager', 'agent'] })
  @ApiOkResponse({ type: ComplaintTargetsDto })
  targets(): Promise<ComplaintTargetsDto> {
    return this.admin.readTargets();
  }

  @Put('complaint-targets')
  @Allow({ roles: [] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({
    type: ComplaintTargetsDto,
    description: 'Replaces the whole set; applies to complaints received from now on',
  })
  replaceTargets(
    @Body() dto: ReplaceComplaintTargetsDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintTargetsDto> {
    return this.admin.replaceTargets(dto, ifMatch, principal, requestId);
  }

  @Get('complaint-settings')
  @Allow({ roles: ['manager', 'agent'] })
  @ApiOkResponse({ type: ComplaintSettingsDto })
  settings(): Promise<ComplaintSettingsDto> {
    return this.admin.settings();
  }

  @Put('complaint-settings')
  @Allow({ roles: [] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: ComplaintSettingsDto })
  updateSettings(
    @Body() dto: UpdateComplaintSettingsDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintSettingsDto> {
    return this.admin.updateSettings(dto, ifMatch, principal, requestId);
  }
}
