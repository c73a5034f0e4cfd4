import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { type Job, Worker, type WorkerOptions } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { type OutreachSendJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { isPostgresQueueConnection, queueConnection } from '../../infrastructure/queues/queue-connection.js';
import { reconnectingWorkerConnection } from '../../infrastructure/redis/redis-options.js';
import { EmailSender } from './channels/email-sender.js';
import { HttpProviderSender } from './channels/http-provider-sender.js';
import type { MessageSender } from './channels/message-sender.js';
import { SendSlots } from './channels/send-slots.js';
import { channelPerSecond, type SendChannel, sendBatching } from './send-batching.js';
import { SendMessageBatch } from './send-message-batch.js';

/**
 * One BullMQ worker per channel queue. A job is a batch of the channel's messages (send-batching.ts
 * sizes batches so that BullMQ's limiter, which counts jobs across every worker process, keeps the
 * channel's messages-per-second limit: a campaign never floods a provider). Built here rather than
 * with @Processor because the limit comes from the configuration. Within a process a channel has
 * OUTREACH_SEND_CONCURRENCY requests in flight at most, over all its running jobs (a message each, or
 * a batch each when the provider's batch API is configured). A message failed for
 * now is retried with the queues' backoff (the job fails, and its rerun finds only those still
 * queued); on the last attempt, and for a permanent refusal at once, it is marked failed. The
 * connection is the application's queue connection (`queueConnection`): Redis, reconnecting for ever
 * as workers want, or BullMQ's Postgres backend in the embedded mode, whose limiter is the same option.
 */
@Injectable()
export class OutreachSendWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutreachSendWorkers.name);
  private readonly workers: Worker[] = [];
  private readonly senders: MessageSender[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly sendBatch: SendMessageBatch,
  ) {}

  onApplicationBootstrap(): void {
    const { config } = this;
    const connection = queueConnection(config);
    const workerConnection = (
      isPostgresQueueConnection(connection) ? connection : reconnectingWorkerConnection(connection)
    ) as WorkerOptions['connection'];
    const provider = (channel: 'sms' | 'wechat', url: string, batchSize: number) =>
      new HttpProviderSender(channel, url, config.MESSAGE_PROVIDER_TOKEN, config.OUTREACH_CALLBACK_BASE_URL, {
        connections: config.OUTREACH_SEND_CONCURRENCY,
        batchSize,
      });
    const channels: [string, SendChannel, MessageSender][] = [
      [QueueName.OutreachEmail, 'email', new EmailSender(config.SMTP_URL, config.SMTP_FROM)],
      [QueueName.OutreachSms, 'sms', provider('sms', config.SMS_PROVIDER_URL, config.SMS_PROVIDER_BATCH_SIZE)],
      [
        QueueName.OutreachWechat,
        'wechat',
        provider('wechat', config.WECHAT_PROVIDER_URL, config.WECHAT_PROVIDER_BATCH_SIZE),
      ],
    ];
    for (const [queue, channel, sender] of channels) {
      this.senders.push(sender);
      const slots = new SendSlots(config.OUTREACH_SEND_CONCURRENCY);
      const { batchSize, jobsPerSecond } = sendBatching(channelPerSecond(config, channel));
      const worker = new Worker<OutreachSendJob>(queue, (job) => this.process(job, sender, slots), {
        connection: workerConnection,
        prefix: config.QUEUE_PREFIX,
        // Enough batches at once that one's reads and writes overlap another's sends.
        concurrency: Math.ceil(config.OUTREACH_SEND_CONCURRENCY / batchSize) + 6,
        ...(jobsPerSecond ? { limiter: { max: jobsPerSecond, duration: 1_000 } } : {}),
      });
      worker.on('error', (error) =>
        this.logger.warn({ err: error, queue }, 'outreach send worker error; it carries on'),
      );
      this.workers.push(worker);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close().catch(() => undefined)));
    for (const sender of this.senders) sender.close?.();
  }

  private async process(job: Job<OutreachSendJob>, sender: MessageSender, slots: SendSlots): Promise<string> {
    const ids = job.data.messageIds ?? (job.data.messageId ? [job.data.messageId] : []);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const result = await this.sendBatch.execute(job.id!, ids, sender, slots, lastAttempt);
    if (result.retry.length)
      throw new Error(
        `${result.retry.length} of ${ids.length} messages failed for now (first: ${result.retry[0].error}); retried`,
      );
    return `sent ${result.sent}, failed ${result.failed}, held back ${result.held}`;
  }
}
