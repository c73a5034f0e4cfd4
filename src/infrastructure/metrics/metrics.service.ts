import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { QueueName } from '../queues/queue-names.js';

/** Prometheus metrics: process defaults, HTTP request durations, and queue depths read at scrape time. */
@Injectable()
export class MetricsService implements OnApplicationBootstrap {
  readonly registry = new Registry();
  private queues: Queue[] = [];

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly outboxUnpublished = new Gauge({
    name: 'outbox_unpublished_events',
    help: 'Outbox rows not yet published',
    registers: [this.registry],
  });

  constructor(private readonly moduleRef: ModuleRef) {
    collectDefaultMetrics({ register: this.registry });
    const queues = () => this.queues;
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        await Promise.all(
          queues().map(async (queue) => {
            // Never let a scrape hang on a Redis that is down: no numbers rather than no metrics.
            const counts = await Promise.race([
              queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
              new Promise<null>((resolve) => setTimeout(resolve, 1_000, null).unref()),
            ]).catch(() => null);
            for (const [state, count] of Object.entries(counts ?? {})) this.set({ queue: queue.name, state }, count);
          }),
        );
      },
    });
  }

  onApplicationBootstrap(): void {
    this.queues = Object.values(QueueName).map((name) =>
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    );
  }
}
