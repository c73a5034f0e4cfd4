import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../../common/auth/access.decorator.js';
import { MetricsService } from './metrics.service.js';

@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const [{ count }] = await this.dataSource
      .query(`SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL`)
      .catch(() => [{ count: -1 }]);
    this.metrics.outboxUnpublished.set(count);
    return this.metrics.registry.metrics();
  }
}
