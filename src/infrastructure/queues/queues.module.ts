import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import type { RedisOptions } from 'bullmq';
import { AppConfig } from '../config/app-config.js';
import { workerRedisOptions } from '../redis/redis-options.js';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queue-names.js';

const queues = Object.values(QueueName).map((name) => ({ name }));

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: workerRedisOptions(config.REDIS_URL) as RedisOptions,
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...queues),
  ],
  exports: [BullModule],
})
export class QueuesModule {}
