import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { type OutreachSendJob, type OutreachTriggerJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { launchJobId } from './campaigns.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import { OutreachMessagesRepository } from './outreach-messages.repository.js';
import { channelPerSecond, type SendChannel, sendBatching } from './send-batching.js';
import { StoredMessageRenderer } from './stored-message-renderer.js';

/** A send job: a batch of one channel's messages. */
interface SendBatch {
  channel: SendChannel;
  jobId: string;
  ids: string[];
}

const BATCH_SIZE = 1_000;
/** A message queued this long without being sent has its job re-added (a no-op while the job exists). */
const STALE_QUEUED_MS = 10 * 60_000;
const STALE_SWEEP_EVERY_MS = 60_000;

/**
 * Moves due messages (decided `send`, or deferred past their quiet hours) onto their channel's send
 * queue, the way the outbox relay moves events: claimed a thousand at a time with FOR UPDATE SKIP
 * LOCKED in one statement (any number of workers share the work), cut into send jobs of one channel
 * each (send-batching.ts: the batch size keeps the channel's rate limit), and marked `queued` for
 * their job in one statement of the transaction that adds the jobs, so a Redis outage only delays
 * them. The jobs are added before the transaction commits; the send worker reads its messages under
 * row locks (SendMessageBatch), which wait for that commit — so a fast worker never finds them still
 * `pending`. A call becomes a task for the customer's salesperson (or the agents' pool) instead. Once
 * a minute, messages queued for more than ten minutes get their job re-added (same id: nothing
 * happens unless the queue lost it).
 */
@Injectable()
export class OutreachDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutreachDispatcher.name);
  private running = false;
  private loop?: Promise<void>;
  private readonly queues: Record<SendChannel, Queue<OutreachSendJob>>;

  constructor(
    private readonly messages: OutreachMessagesRepository,
    private readonly transactions: TransactionRunner,
    private readonly tasks: TasksService,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.OutreachEmail) email: Queue<OutreachSendJob>,
    @InjectQueue(QueueName.OutreachSms) sms: Queue<OutreachSendJob>,
    @InjectQueue(QueueName.OutreachWechat) wechat: Queue<OutreachSendJob>,
    @InjectQueue(QueueName.OutreachTriggers) private readonly triggers: Queue<OutreachTriggerJob>,
    private readonly campaigns: CampaignsRepository,
    private readonly renderer: StoredMessageRenderer,
  ) {
    this.queues = { email, sms, wechat };
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Dispatches one batch of due messages; returns how many. */
  async dispatchBatch(): Promise<number> {
    return this.transactions.run(async (tx) => {
      const due = await this.messages.claimDue(tx, BATCH_SIZE);
      if (!due.length) return 0;
      const calls = due.filter((message) => message.channel === 'phone');
      for (const call of calls) {
        const { subject, body } = await this.renderer.render(call, tx);
        const taskId = await this.tasks.create(tx, {
          kind: 'outreach.call',
          title: subject || `Care call (${call.purpose})`,
          detail: body || undefined,
          assigneeId: call.ownerId,
          assigneeRole: call.ownerId ? undefined : 'agent',
          customerId: call.customerId,
          subjectType: 'outreach_message',
          subjectId: call.id,
        });
        await this.messages.setStatus(tx, call.id, 'sent', {
          detail: 'call task created',
          columns: { task_id: taskId, subject, body },
        });
      }
      const batches = this.cut(
        due.flatMap((message) => (message.channel === 'phone' ? [] : [{ id: message.id, channel: message.channel }])),
      );
      await this.messages.markQueued(tx, batches);
      await this.addJobs(batches);
      return due.length;
    });
  }

  /**
   * Re-adds the send jobs of messages queued for long (at most one batch): a no-op for jobs the queue
   * still holds (same job id), a new job where the queue lost it. Returns how many were looked at.
   */
  async requeueStale(): Promise<number> {
    const stale = await this.messages.staleQueued(STALE_QUEUED_MS, BATCH_SIZE);
    const jobs = new Map<string, SendBatch>();
    for (const message of stale) {
      const job = jobs.get(message.jobId) ?? { channel: message.channel, jobId: message.jobId, ids: [] };
      job.ids.push(message.id);
      jobs.set(message.jobId, job);
    }
    await this.addJobs([...jobs.values()]);
    // Campaigns whose launch is a minute overdue: their launch job again (a no-op while it exists).
    const launches = await this.campaigns.overdueScheduled(60_000);
    if (launches.length)
      await this.triggers.addBulk(
        launches.map((campaign) => ({
          name: 'launch-campaign',
          data: { task: 'launch-campaign' as const, campaignId: campaign.id },
          opts: { jobId: launchJobId(campaign.id, campaign.version) },
        })),
      );
    return stale.length + launches.length;
  }

  /** The messages as send jobs: per channel, in batches of the channel's size, each with a new job id. */
  private cut(messages: { id: string; channel: SendChannel }[]): SendBatch[] {
    const batches: SendBatch[] = [];
    for (const channel of ['email', 'sms', 'wechat'] as const) {
      const ids = messages.filter((message) => message.channel === channel).map((message) => message.id);
      const { batchSize } = sendBatching(channelPerSecond(this.config, channel));
      for (let at = 0; at < ids.length; at += batchSize)
        batches.push({ channel, jobId: `send.${randomUUID()}`, ids: ids.slice(at, at + batchSize) });
    }
    return batches;
  }

  private async addJobs(batches: SendBatch[]): Promise<void> {
    for (const channel of ['email', 'sms', 'wechat'] as const) {
      const jobs = batches.filter((batch) => batch.channel === channel);
      if (jobs.length)
        await this.queues[channel].addBulk(
          jobs.map((batch) => ({ name: 'send', data: { messageIds: batch.ids }, opts: { jobId: batch.jobId } })),
        );
    }
  }

  private async run(): Promise<void> {
    let nextSweep = Date.now() + STALE_SWEEP_EVERY_MS;
    while (this.running) {
      let dispatched = 0;
      try {
        dispatched = await this.dispatchBatch();
        if (Date.now() >= nextSweep) {
          nextSweep = Date.now() + STALE_SWEEP_EVERY_MS;
          await this.requeueStale();
        }
      } catch (error) {
        this.logger.warn({ err: error }, 'outreach dispatch failed; the messages wait for the next round');
      }
      if (dispatched < BATCH_SIZE) await this.pause();
    }
  }

  private async pause(): Promise<void> {
    const until = Date.now() + this.config.OUTREACH_DISPATCH_INTERVAL_MS;
    while (this.running && Date.now() < until) await sleep(Math.min(100, until - Date.now()));
  }
}
