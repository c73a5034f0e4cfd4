import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, Queue } from 'bullmq';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound, ValidationFailed } from '../../common/errors/domain-errors.js';
import type { Page } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { QueueName } from '../../infrastructure/queues/queue-names.js';
import { JobActive, JobNotFailed } from './admin-errors.js';
import type { JobsQuery, QueueJobDto, QueueStateDto } from './dto/admin.dto.js';

const QUEUE_NAMES: string[] = Object.values(QueueName);

/** Every BullMQ queue of the application, for operators: counts, failed jobs, retry, remove, pause. */
@Injectable()
export class QueuesAdminService {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  queues(): Queue[] {
    return QUEUE_NAMES.map((name) => this.queue(name));
  }

  async states(): Promise<QueueStateDto[]> {
    return Promise.all(QUEUE_NAMES.map((name) => this.state(name)));
  }

  async state(name: string): Promise<QueueStateDto> {
    const queue = this.queue(name);
    const [counts, paused] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      queue.isPaused(),
    ]);
    return {
      name,
      paused,
      counts: {
        waiting: counts.waiting ?? 0,
        prioritized: counts.prioritized ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        completed: counts.completed ?? 0,
      },
    };
  }

  /** Jobs in one state, newest first. The cursor is a position in that list, so a page may shift while jobs move. */
  async jobs(name: string, query: JobsQuery): Promise<Page<QueueJobDto>> {
    const queue = this.queue(name);
    const start = decodeOffset(query.cursor);
    const jobs = (await queue.getJobs([query.state], start, start + query.limit, false)).filter(Boolean);
    const page = jobs.slice(0, query.limit);
    return {
      data: page.map(toJobDto),
      nextCursor: jobs.length > query.limit ? Buffer.from(String(start + query.limit)).toString('base64url') : null,
    };
  }

  async retry(name: string, jobId: string, by: Principal, requestId: string): Promise<void> {
    const job = await this.job(name, jobId);
    if ((await job.getState()) !== 'failed') throw new JobNotFailed(jobId);
    // A fresh set of attempts: otherwise the retried job is already on its last one.
    await job.retry('failed', { resetAttemptsMade: true });
    await this.record(by, requestId, 'queue_job.retried', `${name}/${jobId}`);
  }

  async retryAllFailed(name: string, by: Principal, requestId: string): Promise<number> {
    const queue = this.queue(name);
    const failed = await queue.getFailedCount();
    if (failed) await queue.retryJobs({ state: 'failed', count: 1_000 });
    await this.record(by, requestId, 'queue.failed_retried', name, { failed });
    return failed;
  }

  async remove(name: string, jobId: string, by: Principal, requestId: string): Promise<void> {
    const job = await this.job(name, jobId);
    if ((await job.getState()) === 'active') throw new JobActive(jobId);
    await job.remove();
    await this.record(by, requestId, 'queue_job.removed', `${name}/${jobId}`, { name: job.name, data: job.data });
  }

  async pause(name: string, by: Principal, requestId: string): Promise<QueueStateDto> {
    await this.queue(name).pause();
    await this.record(by, requestId, 'queue.paused', name);
    return this.state(name);
  }

  async resume(name: string, by: Principal, requestId: string): Promise<QueueStateDto> {
    await this.queue(name).resume();
    await this.record(by, requestId, 'queue.resumed', name);
    return this.state(name);
  }

  private queue(name: string): Queue {
    if (!QUEUE_NAMES.includes(name)) throw new NotFound('Queue', name);
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  private async job(name: string, jobId: string): Promise<Job> {
    const job = await this.queue(name).getJob(jobId);
    if (!job) throw new NotFound(`Job in ${name}`, jobId);
    return job;
  }

  private async record(
    by: Principal,
    requestId: string,
    action: string,
    entityId: string,
    after?: unknown,
  ): Promise<void> {
    await this.transactions.run((tx) =>
      this.audit.record(tx, by, requestId, { action, entityType: 'queue', entityId, after }),
    );
  }
}

function toJobDto(job: Job): QueueJobDto {
  return {
    id: String(job.id),
    name: job.name,
    data: job.data,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason || null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  const offset = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,9}$/.test(offset))
    throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not one this API issued' }]);
  return Number(offset);
}
