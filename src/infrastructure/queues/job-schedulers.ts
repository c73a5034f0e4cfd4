import type { Logger } from '@nestjs/common';
import type { Queue, RepeatOptions } from 'bullmq';

export interface Schedule<T> {
  id: string;
  repeat: Omit<RepeatOptions, 'key'>;
  data: T;
}

/**
 * Registers BullMQ job schedulers (one owner however many workers register them) without holding up
 * start-up, and keeps them registered: Postgres is the source of truth and Redis may lose its data (a
 * restart without persistence, a failover), so the schedules are asserted again whenever the queue's
 * connection comes back after a loss, and every `reassertEveryMs` (SCHEDULE_REASSERT_INTERVAL_MS) in
 * any case — a flush or a failover that kept the connection (issue 11, item 3).
 * Upserting an existing scheduler with the same settings changes nothing: its next job keeps its id,
 * so nothing runs twice. While Redis is down each assertion retries in the background, with a growing
 * pause of at most 5 s so the schedules are back within seconds of Redis.
 */
export function registerJobSchedulers<T>(
  queue: Queue<T>,
  schedules: Schedule<T>[],
  logger: Logger,
  reassertEveryMs: number,
): void {
  let retry: NodeJS.Timeout | undefined;
  const stopped = () =>
    (queue as unknown as { closing?: unknown }).closing !== undefined ||
    (queue as unknown as { closed?: boolean }).closed === true;
  const assert = (attempt: number): void => {
    clearTimeout(retry);
    retry = undefined;
    if (stopped()) return;
    Promise.all(
      schedules.map((schedule) =>
        (queue as Queue).upsertJobScheduler(schedule.id, schedule.repeat, { name: schedule.id, data: schedule.data }),
      ),
    ).catch((error) => {
      if (stopped()) return;
      if (attempt === 1)
        logger.warn({ err: error, queue: queue.name }, 'could not register job schedules yet; retrying');
      retry = setTimeout(() => assert(attempt + 1), Math.min(5_000, 500 * attempt)).unref();
    });
  };
  assert(1);
  // After a lost connection: start asserting at once (the attempts fail fast until Redis answers).
  queue.on('ioredis:close', () => {
    if (!retry) retry = setTimeout(() => assert(1), 500).unref();
  });
  const periodic = setInterval(
    () => (stopped() ? clearInterval(periodic) : retry ? undefined : assert(1)),
    reassertEveryMs,
  ).unref();
}
