import type { Logger } from '@nestjs/common';
import type { Queue, RepeatOptions } from 'bullmq';

export interface Schedule<T> {
  id: string;
  repeat: Omit<RepeatOptions, 'key'>;
  data: T;
}

/**
 * Registers BullMQ job schedulers (one owner however many workers register them) without holding up
 * start-up: while Redis is down it retries in the background, with a growing pause.
 */
export function registerJobSchedulers<T>(queue: Queue<T>, schedules: Schedule<T>[], logger: Logger): void {
  const register = (attempt: number): void => {
    Promise.all(schedules.map((schedule) => (queue as Queue).upsertJobScheduler(schedule.id, schedule.repeat, { name: schedule.id, data: schedule.data }))).catch(
      (error) => {
        if (attempt === 1) logger.warn({ err: error, queue: queue.name }, 'could not register job schedules yet; retrying');
        setTimeout(() => register(attempt + 1), Math.min(60_000, 1_000 * attempt)).unref();
      },
    );
  };
  register(1);
}
