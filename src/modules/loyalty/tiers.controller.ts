import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { InjectQueue } from '@nestjs/bullmq';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound } from '../../common/errors/domain-errors.js';
import { RequestId, UuidParam } from '../../common/http/request-context.js';
import { mapPage, Page, PageQuery } from '../../common/pagination/cursor.js';
import { QueueName, TierRecalcJob } from '../../infrastructure/queues/queue-names.js';
import {
  RecalculationJobDto,
  ReplaceTiersDto,
  TierDefinitionDto,
  TierHistoryEntryDto,
  UpsellCandidateDto,
  UpsellQuery,
} from './dto/tiers.dto.js';
import { toTierDefinitionDto, toTierHistoryEntryDto } from './tiers.presenter.js';
import { TiersService } from './tiers.service.js';

@ApiTags('loyalty')
@ApiBearerAuth()
@Controller()
export class TiersController {
  constructor(
    private readonly tiers: TiersService,
    @InjectQueue(QueueName.TierRecalc) private readonly queue: Queue<TierRecalcJob>,
  ) {}

  @Get('admin/tiers')
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician', 'marketing'], scopes: ['customers:read'] })
  @ApiPageResponse(TierDefinitionDto)
  async list(@Query() query: PageQuery): Promise<Page<TierDefinitionDto>> {
    return mapPage(await this.tiers.definitionsPage(query), toTierDefinitionDto);
  }

  @Put('admin/tiers')
  @Allow({ roles: [] })
  @ApiPageResponse(TierDefinitionDto, 'The new ladder, lowest tier first (one page)')
  async replace(
    @Body() dto: ReplaceTiersDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<Page<TierDefinitionDto>> {
    return {
      data: (await this.tiers.replaceDefinitions(dto, principal, requestId)).map(toTierDefinitionDto),
      nextCursor: null,
    };
  }

  @Post('admin/tiers/recalculate')
  @HttpCode(202)
  @Allow({ roles: [] })
  @ApiAcceptedResponse({ type: RecalculationJobDto })
  async recalculate(): Promise<RecalculationJobDto> {
    const job = await this.queue.add('all', { kind: 'all', cause: 'on demand' });
    return { jobId: job.id!, state: 'waiting', progress: 0 };
  }

  @Get('admin/tiers/recalculate/:jobId')
  @Allow({ roles: [] })
  @ApiOkResponse({ type: RecalculationJobDto })
  async job(@Param('jobId') jobId: string): Promise<RecalculationJobDto> {
    if (!/^\d{1,20}$/.test(jobId)) throw new NotFound('Recalculation job', jobId);
    // The state first, then the job: the job read is then at least as new as its state (a result with 'completed').
    const state = await this.queue.getJobState(jobId);
    const job = await this.queue.getJob(jobId);
    if (!job || job.data.kind !== 'all') throw new NotFound('Recalculation job', jobId);
    return {
      jobId,
      state,
      progress: typeof job.progress === 'number' ? job.progress : 0,
      result: job.returnvalue ?? undefined,
      failedReason: job.failedReason || undefined,
    };
  }

  @Get('loyalty/upsell')
  @Allow({ roles: ['manager', 'sales'] })
  @ApiPageResponse(UpsellCandidateDto)
  async upsell(
    @Query() query: UpsellQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<UpsellCandidateDto>> {
    return { data: await this.tiers.upsellCandidates(query, principal), nextCursor: null };
  }

  @Get('customers/:id/tier-history')
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician', 'marketing'], scopes: ['customers:read'] })
  @ApiPageResponse(TierHistoryEntryDto)
  async history(@UuidParam() id: string, @Query() query: PageQuery): Promise<Page<TierHistoryEntryDto>> {
    return mapPage(await this.tiers.history(id, query), toTierHistoryEntryDto);
  }
}
