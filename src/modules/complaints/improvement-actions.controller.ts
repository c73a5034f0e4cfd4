import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { mapPage } from '../../common/pagination/cursor.js';
import {
  CompleteImprovementActionDto,
  CreateImprovementActionDto,
  ImprovementActionDetailDto,
  ImprovementActionDto,
  ImprovementActionPageDto,
  LinkComplaintsDto,
  ListImprovementActionsQuery,
  UpdateImprovementActionDto,
  VerdictDto,
  VerificationQuery,
} from './dto/improvement-action.dto.js';
import { CompleteImprovementAction } from './complete-improvement-action.js';
import { toImprovementActionDto } from './improvement-action.presenter.js';
import { ImprovementActionsService } from './improvement-actions.service.js';

/** Who reads actions; an action's own steps are for its owner (whatever their role) or a manager, checked per action. */
const READERS = ['manager', 'agent', 'marketing'] as const;
const OWNERS = ['manager', 'agent', 'marketing', 'sales', 'technician'] as const;

@ApiTags('complaints')
@ApiBearerAuth()
@Controller('improvement-actions')
export class ImprovementActionsController {
  constructor(
    private readonly actions: ImprovementActionsService,
    private readonly completion: CompleteImprovementAction,
  ) {}

  @Post()
  @Allow({ roles: ['manager'] })
  @ApiCreatedResponse({ type: ImprovementActionDto })
  async create(
    @Body() dto: CreateImprovementActionDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ImprovementActionDto> {
    return toImprovementActionDto(await this.actions.create(dto, principal, requestId));
  }

  @Get()
  @Allow({ roles: [...READERS] })
  @ApiOkResponse({ type: ImprovementActionPageDto, description: 'Newest first' })
  async list(@Query() query: ListImprovementActionsQuery): Promise<ImprovementActionPageDto> {
    return mapPage(await this.actions.list(query), toImprovementActionDto);
  }

  @Get(':id')
  @Allow({ roles: [...READERS] })
  @ApiOkResponse({
    type: ImprovementActionDetailDto,
    description: 'With its report-backs and the recurrence of its root cause N weeks before and after completion',
  })
  get(@UuidParam() id: string, @Query() query: VerificationQuery): Promise<ImprovementActionDetailDto> {
    return this.actions.get(id, query.weeks);
  }

  @Patch(':id')
  @Allow({ roles: [...OWNERS] })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you read; 412 if it changed since' })
  @ApiOkResponse({ type: ImprovementActionDto })
  async update(
    @UuidParam() id: string,
    @Body() dto: UpdateImprovementActionDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ImprovementActionDto> {
    return toImprovementActionDto(await this.actions.update(id, dto, ifMatch, principal, requestId));
  }

  @Post(':id/complaints')
  @HttpCode(200)
  @Allow({ roles: [...OWNERS] })
  @ApiOkResponse({ type: ImprovementActionDto })
  async link(
    @UuidParam() id: string,
    @Body() dto: LinkComplaintsDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ImprovementActionDto> {
    return toImprovementActionDto(await this.actions.link(id, dto.complaintIds, principal, requestId));
  }

  @Post(':id/start')
  @HttpCode(200)
  @Allow({ roles: [...OWNERS] })
  @ApiOkResponse({ type: ImprovementActionDto })
  async start(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ImprovementActionDto> {
    return toImprovementActionDto(await this.actions.step(id, 'start', undefined, principal, requestId));
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Allow({ roles: [...OWNERS] })
  @ApiOkResponse({ type: ImprovementActionDto, description: 'Reports back to every linked customer, once each' })
  async complete(
    @UuidParam() id: string,
    @Body() dto: CompleteImprovementActionDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ImprovementActionDto> {
    return toImprovementActionDto(await this.completion.execute(id, dto.changeSummary, principal, requestId));
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Allow({ roles: [...OWNERS] })
  @ApiOkResponse({ type: ImprovementActionDto, description: 'The owner or an admin: the fix worked' })
  async verify(
    @UuidParam() id: string,
    @Body() dto: VerdictDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ImprovementActionDto> {
    return toImprovementActionDto(await this.actions.step(id, 'verify', dto.note, principal, requestId));
  }

  @Post(':id/mark-ineffective')
  @HttpCode(200)
  @Allow({ roles: [...OWNERS] })
  @ApiOkResponse({
    type: ImprovementActionDto,
    description: 'The owner or an admin: it did not work; the action is open again',
  })
  async markIneffective(
    @UuidParam() id: string,
    @Body() dto: VerdictDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ImprovementActionDto> {
    return toImprovementActionDto(await this.actions.step(id, 'mark_ineffective', dto.note, principal, requestId));
  }
}
