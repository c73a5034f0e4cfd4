import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound } from '../../common/errors/domain-errors.js';
import { isoTime } from '../../common/http/iso-time.js';
import { RequestId } from '../../common/http/request-context.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { toAuditEntryDto } from './admin.presenter.js';
import { AuditLogRepository } from './audit-log.repository.js';
import { configReadout } from './config-readout.js';
import {
  AuditEntryDto,
  AuditLogQuery,
  ConfigEntryDto,
  JobsQuery,
  QueueJobDto,
  QueueStateDto,
  RetriedDto,
} from './dto/admin.dto.js';
import { QueuesAdminService } from './queues-admin.service.js';

const JOB_ID = /^[\w.:-]{1,200}$/;

/** Operations: queues and their jobs, the audit log and the configuration in force. Administrators only. */
@ApiTags('admin')
@ApiBearerAuth()
@Allow({ roles: [] })
@Controller('admin')
export class AdminController {
  constructor(
    private readonly queues: QueuesAdminService,
    private readonly auditLog: AuditLogRepository,
    private readonly config: AppConfig,
  ) {}

  @Get('queues')
  @ApiPageResponse(QueueStateDto)
  async listQueues(): Promise<Page<QueueStateDto>> {
    return { data: await this.queues.states(), nextCursor: null };
  }

  @Get('queues/:name')
  @ApiOkResponse({ type: QueueStateDto })
  queue(@Param('name') name: string): Promise<QueueStateDto> {
    return this.queues.state(name);
  }

  @Get('queues/:name/jobs')
  @ApiPageResponse(QueueJobDto, 'Failed jobs unless ?state= says otherwise, newest first')
  jobs(@Param('name') name: string, @Query() query: JobsQuery): Promise<Page<QueueJobDto>> {
    return this.queues.jobs(name, query);
  }

  @Post('queues/:name/jobs/:jobId/retry')
  @HttpCode(204)
  @ApiNoContentResponse()
  retry(
    @Param('name') name: string,
    @Param('jobId') jobId: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.queues.retry(name, checkedJobId(jobId), principal, requestId);
  }

  @Delete('queues/:name/jobs/:jobId')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(
    @Param('name') name: string,
    @Param('jobId') jobId: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.queues.remove(name, checkedJobId(jobId), principal, requestId);
  }

  @Post('queues/:name/failed/retry')
  @HttpCode(200)
  @ApiOkResponse({ type: RetriedDto })
  async retryFailed(
    @Param('name') name: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RetriedDto> {
    return { retried: await this.queues.retryAllFailed(name, principal, requestId) };
  }

  @Post('queues/:name/pause')
  @HttpCode(200)
  @ApiOkResponse({ type: QueueStateDto })
  pause(
    @Param('name') name: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<QueueStateDto> {
    return this.queues.pause(name, principal, requestId);
  }

  @Post('queues/:name/resume')
  @HttpCode(200)
  @ApiOkResponse({ type: QueueStateDto })
  resume(
    @Param('name') name: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<QueueStateDto> {
    return this.queues.resume(name, principal, requestId);
  }

  @Get('audit-log')
  @ApiPageResponse(AuditEntryDto, 'Newest first')
  async audit(@Query() query: AuditLogQuery): Promise<Page<AuditEntryDto>> {
    const rows = await this.auditLog.search(query, decodeCursor(query.cursor, /^\d{1,19}$/));
    return toPage(rows, query.limit, (row) => ({ at: isoTime(row.occurredAt), id: row.id }), toAuditEntryDto);
  }

  @Get('config')
  @ApiPageResponse(ConfigEntryDto, 'Every setting in force; secrets masked')
  configuration(): Page<ConfigEntryDto> {
    return { data: configReadout(this.config), nextCursor: null };
  }
}

function checkedJobId(jobId: string): string {
  if (!JOB_ID.test(jobId)) throw new NotFound('Job', jobId);
  return jobId;
}
