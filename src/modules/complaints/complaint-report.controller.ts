import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow } from '../../common/auth/access.decorator.js';
import { ComplaintReportDto, ComplaintReportQuery } from './dto/complaint-report.dto.js';
import { ComplaintReportService } from './complaint-report.service.js';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports/complaints')
export class ComplaintReportController {
  constructor(private readonly reports: ComplaintReportService) {}

  @Get()
  @Allow({ roles: ['manager', 'marketing'] })
  @ApiOkResponse({
    type: ComplaintReportDto,
    description:
      'Pareto table with shares and cumulative shares, weekly trend per group, acknowledgement and resolution figures',
  })
  report(@Query() query: ComplaintReportQuery): Promise<ComplaintReportDto> {
    return this.reports.build(query);
  }
}
