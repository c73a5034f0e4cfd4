import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { RedisModule } from '../redis/redis.module.js';
import { CoordinationStore } from './coordination-store.js';
import { PostgresCoordinationStore } from './postgres-coordination-store.js';
import { RedisCoordinationStore } from './redis-coordination-store.js';

/** The CoordinationStore beside the queues: Redis, or Postgres when QUEUE_BACKEND=postgres (no Redis client then). */
@Global()
@Module({})
export class CoordinationModule {
  static forConfig(config: AppConfig): DynamicModule {
    const onRedis = config.QUEUE_BACKEND === 'redis';
    return {
      module: CoordinationModule,
      imports: onRedis ? [RedisModule] : [],
      providers: [
        { provide: CoordinationStore, useClass: onRedis ? RedisCoordinationStore : PostgresCoordinationStore },
      ],
      exports: [CoordinationStore],
    };
  }
}
