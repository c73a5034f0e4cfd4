import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import {
  LeadSourcesDto,
  PeriodQuery,
  PipelineReportDto,
  PipelineReportQuery,
  SalesPerformanceDto,
} from './dto/report.dto.js';
import { SalesReportsService } from './reports.service.js';

@ApiTags('sales')
@ApiBearerAuth()
@Controller('reports')
export class SalesReportsController {
  constructor(private readonly reports: SalesReportsService) {}

  @Get('pipeline')
  @Allow({ roles: ['manager', 'sales'] })
  @ApiOkResponse({
    type: PipelineReportDto,
    description: 'Open opportunities per stage and owner: a manager’s team, a salesperson’s own',
  })
  pipeline(@Query() query: PipelineReportQuery, @CurrentPrincipal() principal: Principal): Promise<PipelineReportDto> {
    return this.reports.pipeline(query, principal);
  }

  @Get('sales-performance')
  @Allow({ roles: ['manager', 'sales'] })
  @ApiOkResponse({ type: SalesPerformanceDto })
  performance(@Query() query: PeriodQuery, @CurrentPrincipal() principal: Principal): Promise<SalesPerformanceDto> {
    return this.reports.performance(query, principal);
  }

  @Get('lead-sources')
  @Allow({ roles: ['manager', 'marketing'] })
  @ApiOkResponse({ type: LeadSourcesDto, description: 'Which sources became revenue' })
  leadSources(@Query() query: PeriodQuery): Promise<LeadSourcesDto> {
    return this.reports.leadSources(query);
  }
}
