import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import type { Page } from '../../common/pagination/cursor.js';
import { AssignmentRulesService } from './assignment-rules.service.js';
import {
  AssignmentRuleDto,
  CreateAssignmentRuleDto,
  SimulateAssignmentDto,
  SimulationDto,
  UpdateAssignmentRuleDto,
} from './dto/assignment-rule.dto.js';

@ApiTags('sales')
@ApiBearerAuth()
@Allow({ roles: [] })
@Controller('admin/lead-assignment-rules')
export class AssignmentRulesController {
  constructor(private readonly rules: AssignmentRulesService) {}

  @Get()
  @ApiPageResponse(AssignmentRuleDto, 'In the order they are tried; the default rule catches the rest')
  async list(): Promise<Page<AssignmentRuleDto>> {
    return { data: await this.rules.list(), nextCursor: null };
  }

  @Post()
  @ApiCreatedResponse({ type: AssignmentRuleDto })
  create(
    @Body() dto: CreateAssignmentRuleDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<AssignmentRuleDto> {
    return this.rules.create(dto, principal, requestId);
  }

  @Post('simulate')
  @HttpCode(200)
  @ApiOkResponse({ type: SimulationDto, description: 'Who would get this lead now; nothing is written' })
  simulate(@Body() dto: SimulateAssignmentDto): Promise<SimulationDto> {
    return this.rules.simulate(dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: AssignmentRuleDto })
  get(@UuidParam() id: string): Promise<AssignmentRuleDto> {
    return this.rules.get(id);
  }

  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you read; 412 if it changed since' })
  @ApiOkResponse({ type: AssignmentRuleDto })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateAssignmentRuleDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<AssignmentRuleDto> {
    return this.rules.update(id, dto, ifMatch, principal, requestId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.rules.remove(id, principal, requestId);
  }
}
