import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow } from '../../common/auth/access.decorator.js';
import { ValidationFailed } from '../../common/errors/domain-errors.js';
import { ServiceLevelsDto, ServiceLevelsQuery } from './dto/service-levels.dto.js';
import { ServiceLevelsRepository } from './service-levels.repository.js';

const MAX_PERIOD_DAYS = 366;

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports/service-levels')
export class ServiceLevelsController {
  constructor(private readonly serviceLevels: ServiceLevelsRepository) {}

  @Get()
  @Allow({ roles: ['manager', 'marketing'] })
  @ApiOkResponse({
    type: ServiceLevelsDto,
    description: 'Per tier and severity: share within SLA, median and p90 response and resolution times',
  })
  async report(@Query() query: ServiceLevelsQuery): Promise<ServiceLevelsDto> {
    const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000;
    if (days < 0) throw new ValidationFailed([{ field: 'to', message: 'must not be before from' }]);
    if (days >= MAX_PERIOD_DAYS)
      throw new ValidationFailed([{ field: 'to', message: `the period is at most ${MAX_PERIOD_DAYS} days` }]);
    return { from: query.from, to: query.to, data: await this.serviceLevels.byTierAndSeverity(query.from, query.to) };
  }
}
