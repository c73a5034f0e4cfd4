import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { RequestId } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import type { Page } from '../../common/pagination/cursor.js';
import { CreatePipelineDto, PipelineDto } from './dto/opportunity.dto.js';
import { PipelinesService } from './pipelines.service.js';

@ApiTags('sales')
@ApiBearerAuth()
@Controller()
export class PipelinesController {
  constructor(private readonly pipelines: PipelinesService) {}

  @Get('pipelines')
  @Allow({ roles: ['manager', 'sales', 'marketing'] })
  @ApiPageResponse(PipelineDto, 'Every pipeline with its stages in order, the default first')
  async list(): Promise<Page<PipelineDto>> {
    return { data: await this.pipelines.list(), nextCursor: null };
  }

  @Post('admin/pipelines')
  @Allow({ roles: [] })
  @ApiCreatedResponse({ type: PipelineDto })
  create(
    @Body() dto: CreatePipelineDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<PipelineDto> {
    return this.pipelines.create(dto, principal, requestId);
  }
}
