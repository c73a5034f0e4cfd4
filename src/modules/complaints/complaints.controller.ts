import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor.js';
import { mapPage } from '../../common/pagination/cursor.js';
import {
  AssignComplaintDto,
  ComplaintDto,
  ComplaintPageDto,
  ComplaintSatisfactionDto,
  CreateComplaintDto,
  ListComplaintsQuery,
  ReasonDto,
  ResolveComplaintDto,
} from './dto/complaint.dto.js';
import { AssignComplaint } from './assign-complaint.js';
import { toComplaintDto } from './complaint.presenter.js';
import { ComplaintsService } from './complaints.service.js';
import { EscalateComplaint } from './escalate-complaint.js';
import { FileComplaint } from './file-complaint.js';
import { RecordComplaintSatisfaction } from './record-complaint-satisfaction.js';
import { TransitionComplaint, type ComplaintCommand } from './transition-complaint.js';

const DESK = ['agent', 'manager'] as const;

@ApiTags('complaints')
@ApiBearerAuth()
@Controller('complaints')
export class ComplaintsController {
  constructor(
    private readonly complaints: ComplaintsService,
    private readonly fileComplaint: FileComplaint,
    private readonly transition: TransitionComplaint,
    private readonly assignment: AssignComplaint,
    private readonly escalation: EscalateComplaint,
    private readonly satisfactionOf: RecordComplaintSatisfaction,
  ) {}

  @Post()
  @Idempotent()
  @Allow({ roles: [...DESK], scopes: ['complaints:write'] })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retried intake returns the first answer' })
  @ApiCreatedResponse({ type: ComplaintDto })
  async create(
    @Body() dto: CreateComplaintDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintDto> {
    return toComplaintDto(await this.fileComplaint.execute(dto, principal, requestId));
  }

  @Get()
  @Allow({ roles: [...DESK, 'sales'] })
  @ApiOkResponse({
    type: ComplaintPageDto,
    description: 'Newest first; a salesperson sees their own customers’ complaints',
  })
  async list(@Query() query: ListComplaintsQuery, @CurrentPrincipal() principal: Principal): Promise<ComplaintPageDto> {
    return mapPage(await this.complaints.list(query, principal), toComplaintDto);
  }

  @Get(':id')
  @Allow({ roles: [...DESK, 'sales'], scopes: ['complaints:write'] })
  @ApiOkResponse({ type: ComplaintDto, description: 'A key sees the complaints it filed' })
  async get(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<ComplaintDto> {
    return toComplaintDto(await this.complaints.get(id, principal));
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({
    type: ComplaintDto,
    description: 'The acknowledgement clock stops; the caller takes it if unassigned',
  })
  acknowledge(
    @UuidParam() id: string,
    @CurrentPrincipal() p: Principal,
    @RequestId() r: string,
  ): Promise<ComplaintDto> {
    return this.step(id, { action: 'acknowledge' }, p, r);
  }

  @Post(':id/investigate')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({ type: ComplaintDto })
  investigate(
    @UuidParam() id: string,
    @CurrentPrincipal() p: Principal,
    @RequestId() r: string,
  ): Promise<ComplaintDto> {
    return this.step(id, { action: 'investigate' }, p, r);
  }

  @Post(':id/wait-for-customer')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({ type: ComplaintDto, description: 'The resolution clock pauses' })
  waitForCustomer(
    @UuidParam() id: string,
    @CurrentPrincipal() p: Principal,
    @RequestId() r: string,
  ): Promise<ComplaintDto> {
    return this.step(id, { action: 'wait' }, p, r);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({
    type: ComplaintDto,
    description: 'The resolution deadline moves by the business time spent waiting',
  })
  resume(@UuidParam() id: string, @CurrentPrincipal() p: Principal, @RequestId() r: string): Promise<ComplaintDto> {
    return this.step(id, { action: 'resume' }, p, r);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({ type: ComplaintDto, description: 'Needs a root cause of the taxonomy and the resolution' })
  resolve(
    @UuidParam() id: string,
    @Body() dto: ResolveComplaintDto,
    @CurrentPrincipal() p: Principal,
    @RequestId() r: string,
  ): Promise<ComplaintDto> {
    return this.step(
      id,
      { action: 'resolve', rootCause: dto.rootCause, resolution: dto.resolution, fiveWhys: dto.fiveWhys },
      p,
      r,
    );
  }

  @Post(':id/close')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({ type: ComplaintDto })
  close(@UuidParam() id: string, @CurrentPrincipal() p: Principal, @RequestId() r: string): Promise<ComplaintDto> {
    return this.step(id, { action: 'close' }, p, r);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({ type: ComplaintDto, description: 'Back to the investigation with a fresh resolution clock' })
  reopen(
    @UuidParam() id: string,
    @Body() dto: ReasonDto,
    @CurrentPrincipal() p: Principal,
    @RequestId() r: string,
  ): Promise<ComplaintDto> {
    return this.step(id, { action: 'reopen', reason: dto.reason }, p, r);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you saw; 412 if it changed since' })
  @ApiOkResponse({ type: ComplaintDto, description: 'A manager assigns anyone on the desk; an agent may take it' })
  async assign(
    @UuidParam() id: string,
    @Body() dto: AssignComplaintDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintDto> {
    return toComplaintDto(
      await this.assignment.execute({ id, assigneeId: dto.assigneeId, expectedVersion: ifMatch }, principal, requestId),
    );
  }

  @Post(':id/escalate')
  @HttpCode(200)
  @Allow({ roles: [...DESK] })
  @ApiOkResponse({
    type: ComplaintDto,
    description: 'One level up: the assignee’s manager, then the complaints director',
  })
  async escalate(
    @UuidParam() id: string,
    @Body() dto: ReasonDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintDto> {
    return toComplaintDto(await this.escalation.execute(id, dto.reason, principal, requestId));
  }

  @Post(':id/satisfaction')
  @HttpCode(200)
  @Allow({ roles: [...DESK], scopes: ['complaints:write'] })
  @ApiOkResponse({ type: ComplaintDto, description: 'Once per resolution; a key rates the complaints it filed' })
  async satisfaction(
    @UuidParam() id: string,
    @Body() dto: ComplaintSatisfactionDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ComplaintDto> {
    return toComplaintDto(
      await this.satisfactionOf.execute({ id, score: dto.score, comment: dto.comment }, principal, requestId),
    );
  }

  private async step(
    id: string,
    command: ComplaintCommand,
    principal: Principal,
    requestId: string,
  ): Promise<ComplaintDto> {
    return toComplaintDto(await this.transition.execute(id, command, principal, requestId));
  }
}
