import { Body, Controller, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { mapPage, Page } from '../../common/pagination/cursor.js';
import {
  AssignServiceRequestDto,
  AssigneeSuggestionDto,
  CreateServiceRequestDto,
  ListServiceRequestsQuery,
  QueueDto,
  QueueQuery,
  ReopenServiceRequestDto,
  ResolveServiceRequestDto,
  SatisfactionDto,
  ServiceRequestDto,
  UpdateServiceRequestDto,
} from './dto/service-request.dto.js';
import { DispatchServiceRequest } from './dispatch-service-request.js';
import { FileServiceRequest } from './file-service-request.js';
import { RecordSatisfaction } from './record-satisfaction.js';
import { toServiceRequestDto } from './service-request.presenter.js';
import { ServiceRequestsService } from './service-requests.service.js';
import { TakeNextServiceRequest } from './take-next-service-request.js';
import { TransitionServiceRequest } from './transition-service-request.js';
import { UpdateServiceRequest } from './update-service-request.js';

const SERVICE = ['manager', 'agent', 'technician'] as const;
const READERS = ['manager', 'agent', 'technician', 'sales'] as const;

@ApiTags('service requests')
@ApiBearerAuth()
@Controller('service-requests')
export class ServiceRequestsController {
  constructor(
    private readonly requests: ServiceRequestsService,
    private readonly fileRequest: FileServiceRequest,
    private readonly takeNext: TakeNextServiceRequest,
    private readonly dispatch: DispatchServiceRequest,
    private readonly transition: TransitionServiceRequest,
    private readonly updateRequest: UpdateServiceRequest,
    private readonly recordSatisfaction: RecordSatisfaction,
  ) {}

  @Post()
  @Idempotent()
  @Allow({ roles: ['manager', 'agent'], scopes: ['service-requests:write'] })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: ServiceRequestDto })
  async create(
    @Body() dto: CreateServiceRequestDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.fileRequest.execute(dto, principal, requestId));
  }

  @Get()
  @Allow({ roles: [...READERS] })
  @ApiPageResponse(ServiceRequestDto, 'Newest first; a technician sees only the requests dispatched to them')
  async list(
    @Query() query: ListServiceRequestsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<ServiceRequestDto>> {
    return mapPage(await this.requests.list(query, principal), toServiceRequestDto);
  }

  @Get('queue')
  @Allow({ roles: ['manager', 'agent'] })
  @ApiOkResponse({ type: QueueDto })
  queue(@Query() query: QueueQuery, @CurrentPrincipal() principal: Principal): Promise<QueueDto> {
    return this.requests.queueView(query.mine === 'true', query.limit, principal);
  }

  @Post('next')
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto, description: 'The request now assigned to the caller' })
  @ApiNoContentResponse({ description: 'Nothing in the queue the caller is qualified for' })
  async next(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ServiceRequestDto | undefined> {
    const request = await this.takeNext.execute(principal);
    reply.status(request ? 200 : 204);
    return request ? toServiceRequestDto(request) : undefined;
  }

  @Get(':id')
  @Allow({ roles: [...READERS] })
  @ApiOkResponse({ type: ServiceRequestDto })
  async get(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.requests.get(id, principal));
  }

  @Patch(':id')
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto })
  async update(
    @UuidParam() id: string,
    @Body() dto: UpdateServiceRequestDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.updateRequest.execute(id, dto, ifMatch, principal, requestId));
  }

  @Get(':id/assignee-suggestions')
  @Allow({ roles: ['manager'] })
  @ApiPageResponse(AssigneeSuggestionDto, 'The best three people to send: qualified, least loaded first')
  async suggestions(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<AssigneeSuggestionDto>> {
    return { data: await this.requests.suggestAssignees(id, principal), nextCursor: null };
  }

  @Post(':id/queue')
  @HttpCode(200)
  @Allow({ roles: ['manager', 'agent'] })
  @ApiOkResponse({ type: ServiceRequestDto })
  async enqueue(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.transition.execute(id, { action: 'queue' }, principal));
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Allow({ roles: ['manager'] })
  @ApiOkResponse({ type: ServiceRequestDto })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The version you saw; fails with 412 if someone took or changed the request since',
  })
  async assign(
    @UuidParam() id: string,
    @Body() dto: AssignServiceRequestDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ServiceRequestDto> {
    return toServiceRequestDto(
      await this.dispatch.execute({ id, assigneeId: dto.assigneeId, expectedVersion: ifMatch }, principal),
    );
  }

  @Post(':id/start')
  @HttpCode(200)
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto, description: 'Work begins; this is the first response' })
  async start(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.transition.execute(id, { action: 'start' }, principal));
  }

  @Post(':id/wait-for-customer')
  @HttpCode(200)
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto, description: 'The resolution clock pauses' })
  async waitForCustomer(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.transition.execute(id, { action: 'wait' }, principal));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto, description: 'The resolution deadline moves by the time spent waiting' })
  async resume(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.transition.execute(id, { action: 'resume' }, principal));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto })
  async resolve(
    @UuidParam() id: string,
    @Body() dto: ResolveServiceRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ServiceRequestDto> {
    return toServiceRequestDto(
      await this.transition.execute(id, { action: 'resolve', resolution: dto.resolution }, principal),
    );
  }

  @Post(':id/close')
  @HttpCode(200)
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto })
  async close(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.transition.execute(id, { action: 'close' }, principal));
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @Allow({ roles: [...SERVICE] })
  @ApiOkResponse({ type: ServiceRequestDto, description: 'Back to the queue with fresh SLA deadlines' })
  async reopen(
    @UuidParam() id: string,
    @Body() dto: ReopenServiceRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.transition.execute(id, { action: 'reopen', reason: dto.reason }, principal));
  }

  @Post(':id/satisfaction')
  @HttpCode(200)
  @Allow({ roles: [...SERVICE], scopes: ['service-requests:write'] })
  @ApiOkResponse({ type: ServiceRequestDto, description: 'Once, after resolution (R-S5)' })
  async satisfaction(
    @UuidParam() id: string,
    @Body() dto: SatisfactionDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ServiceRequestDto> {
    return toServiceRequestDto(
      await this.recordSatisfaction.execute({ id, score: dto.score, comment: dto.comment }, principal, requestId),
    );
  }
}
