import { BullModule } from '@nestjs/bullmq';
import { Global, Logger, Module } from '@nestjs/common';
import { Worker } from 'bullmq';
import type { RedisOptions, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config.js';
import { failFastRedisOptions, reconnectingWorkerConnection } from '../redis/redis-options.js';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queue-names.js';

const queues = Object.values(QueueName).map((name) => ({ name }));

/**
 * The queues' connection is the producers': it fails fast while Redis is down, so a request that
 * needs Redis (the queue admin, a webhook test, a recalculation) is a 503 at once instead of hanging
 * (issue 11, item 5). @nestjs/bullmq builds each processor's Worker from its queue's options; this
 * Worker class swaps in a connection that queues commands and reconnects for ever
 * (`maxRetriesPerRequest: null`), as BullMQ wants for workers.
 */
class ReconnectingWorker extends Worker {
  private static readonly logger = new Logger('Worker');

  constructor(name: string, processor: ConstructorParameters<typeof Worker>[1], opts: WorkerOptions) {
    super(name, processor, {
      ...opts,
      connection: reconnectingWorkerConnection(opts.connection as never) as WorkerOptions['connection'],
    });
    // Without a listener an error (Redis gone, a job's key lost with Redis's data) is an unhandled 'error' event.
    this.on('error', (error) =>
      ReconnectingWorker.logger.warn({ err: error, queue: name }, 'BullMQ worker error; it carries on'),
    );
  }
}
BullModule.workerClass = ReconnectingWorker;

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: failFastRedisOptions(config.REDIS_URL) as RedisOptions,
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...queues),
  ],
  exports: [BullModule],
})
export class QueuesModule {}
