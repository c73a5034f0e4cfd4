import { BullModule } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Global, Injectable, Logger, Module } from '@nestjs/common';
import { Worker } from 'bullmq';
import type { ConnectionOptions, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config.js';
import { reconnectingWorkerConnection } from '../redis/redis-options.js';
import { isPostgresQueueConnection, queueConnection } from './queue-connection.js';
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
  /** The workers not closed yet, for WorkersCloseFirst. */
  static readonly live = new Set<Worker>();

  constructor(name: string, processor: ConstructorParameters<typeof Worker>[1], opts: WorkerOptions) {
    super(name, processor, {
      ...opts,
      // (On BullMQ's Postgres backend the pool reconnects by itself.)
      connection: isPostgresQueueConnection(opts.connection)
        ? opts.connection
        : (reconnectingWorkerConnection(opts.connection as never) as WorkerOptions['connection']),
    });
    // Without a listener an error (Redis gone, a job's key lost with Redis's data) is an unhandled 'error' event.
    this.on('error', (error) =>
      ReconnectingWorker.logger.warn({ err: error, queue: name }, 'BullMQ worker error; it carries on'),
    );
    ReconnectingWorker.live.add(this);
    this.on('closed', () => ReconnectingWorker.live.delete(this));
  }
}
BullModule.workerClass = ReconnectingWorker;

/**
 * On BullMQ's Postgres backend a job that adds to a queue already closed waits for ever (the backend
 * never settles a query on a closing connection, where Redis's fails at once), and the worker's close
 * waits for that job: so there, every worker of this application (its queue prefix) closes — its
 * running jobs finished — before the queues they produce into.
 */
@Injectable()
class WorkersCloseFirst implements BeforeApplicationShutdown {
  constructor(private readonly config: AppConfig) {}

  async beforeApplicationShutdown(): Promise<void> {
    if (this.config.QUEUE_BACKEND !== 'postgres') return;
    const ours = [...ReconnectingWorker.live].filter((worker) => worker.opts.prefix === this.config.QUEUE_PREFIX);
    await Promise.all(ours.map((worker) => worker.close()));
  }
}

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: queueConnection(config) as ConnectionOptions,
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...queues),
  ],
  providers: [WorkersCloseFirst],
  exports: [BullModule],
})
export class QueuesModule {}
