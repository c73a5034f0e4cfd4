import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from '../../common/auth/access.decorator.js';
import { CoordinationStore } from '../coordination/coordination-store.js';

type CheckResult = { status: 'up' } | { status: 'down'; error: string };

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: CoordinationStore,
  ) {}

  /** The process is running; says nothing about its dependencies. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs', description: 'Says nothing about Postgres or Redis.' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to serve: Postgres and Redis (`queues` instead when the queues run on Postgres) answer within a second. */
  @Get('ready')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Readiness: Postgres and Redis (or the Postgres queues) answer',
    description: 'Each check within a second; 503 (a problem naming the checks that are down) when one is not.',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status', 'checks'],
      properties: {
        status: { enum: ['ok'] },
        checks: {
          type: 'object',
          description: '`database`, and `redis` or `queues`',
          additionalProperties: {
            type: 'object',
            required: ['status'],
            properties: { status: { enum: ['up', 'down'] }, error: { type: 'string' } },
          },
        },
      },
    },
  })
  async ready(): Promise<{ status: 'ok'; checks: Record<string, CheckResult> }> {
    const [database, store] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(() => this.store.ping()),
    ]);
    const checks = { database, [this.store.healthCheckName]: store };
    if (database.status === 'down' || store.status === 'down')
      throw new ServiceUnavailableException({ message: `not ready: ${JSON.stringify(checks)}` });
    return { status: 'ok', checks };
  }
}

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 1 s')), 1_000).unref()),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: (error as Error).message };
  }
}
