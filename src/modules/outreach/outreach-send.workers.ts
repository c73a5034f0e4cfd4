import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { type Job, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { type OutreachSendJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { isPostgresQueueConnection, queueConnection } from '../../infrastructure/queues/queue-connection.js';
import { reconnectingWorkerConnection } from '../../infrastructure/redis/redis-options.js';
import { EmailSender } from './channels/email-sender.js';
import { HttpProviderSender } from './channels/http-provider-sender.js';
import { type MessageSender, PermanentSendFailure } from './channels/message-sender.js';
import { SendMessage } from './send-message.js';

/**
 * One BullMQ worker per channel queue, each with the channel's rate limit (BullMQ's limiter counts
 * across every worker process, so a campaign never floods a provider). Built here rather than with
 * @Processor because the limit comes from the configuration. A transient failure is retried with
 * the queues' backoff; a permanent one (PermanentSendFailure) and the last attempt mark the message
 * failed and end the job (UnrecoverableError). The connection is the application's queue connection
 * (`queueConnection`): Redis, reconnecting for ever as workers want, or BullMQ's Postgres backend in
 * the embedded mode, whose limiter is the same worker option.
 */
@Injectable()
export class OutreachSendWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutreachSendWorkers.name);
  private readonly workers: Worker[] = [];
  private readonly senders: MessageSender[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly sendMessage: SendMessage,
  ) {}

  onApplicationBootstrap(): void {
    const { config } = this;
    const connection = queueConnection(config);
    const workerConnection = (
      isPostgresQueueConnection(connection) ? connection : reconnectingWorkerConnection(connection)
    ) as WorkerOptions['connection'];
    const channels: [string, MessageSender, number][] = [
      [QueueName.OutreachEmail, new EmailSender(config.SMTP_URL, config.SMTP_FROM), config.OUTREACH_EMAIL_PER_SECOND],
      [
        QueueName.OutreachSms,
        new HttpProviderSender(
          'sms',
          config.SMS_PROVIDER_URL,
          config.MESSAGE_PROVIDER_TOKEN,
          config.OUTREACH_CALLBACK_BASE_URL,
        ),
        config.OUTREACH_SMS_PER_SECOND,
      ],
      [
        QueueName.OutreachWechat,
        new HttpProviderSender(
          'wechat',
          config.WECHAT_PROVIDER_URL,
          config.MESSAGE_PROVIDER_TOKEN,
          config.OUTREACH_CALLBACK_BASE_URL,
        ),
        config.OUTREACH_WECHAT_PER_SECOND,
      ],
    ];
    for (const [queue, sender, perSecond] of channels) {
      this.senders.push(sender);
      const worker = new Worker<OutreachSendJob>(queue, (job) => this.process(job, sender), {
        connection: workerConnection,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.OUTREACH_SEND_CONCURRENCY,
        ...(perSecond > 0 ? { limiter: { max: perSecond, duration: 1_000 } } : {}),
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

  private async process(job: Job<OutreachSendJob>, sender: MessageSender): Promise<string> {
    try {
      return await this.sendMessage.execute(job.data.messageId, sender);
    } catch (error) {
      const permanent = error instanceof PermanentSendFailure;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (permanent || lastAttempt) {
        await this.sendMessage.fail(job.data.messageId, (error as Error).message);
        throw new UnrecoverableError((error as Error).message);
      }
      throw error;
    }
  }
}
