import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { createApp } from '../src/app.factory.js';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { addDays, localDateOf, weekStartAt } from '../src/modules/sales/field-sales/week.js';
import { customer } from './support/factories.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;

/**
 * The Friday reminder and the Monday escalation, run every second here instead of weekly, by two
 * worker processes at once (two applications on one database and one queue prefix): each salesperson
 * without a submitted plan hears once, each manager once per missing plan, however many runs and workers.
 */
describe('work plan reminders across two workers (R-SP4)', () => {
  let t: TestApp;
  const workers: NestFastifyApplication[] = [];
  let manager: User;
  let late: User;
  let punctual: User;
  let loner: User;
  const zone = 'Asia/Shanghai';
  const thisWeek = weekStartAt(new Date(), zone);
  const nextWeek = addDays(thisWeek, 7);

  beforeAll(async () => {
    const schedule = {
      WORK_PLAN_REMINDER_CRON: '*/1 * * * * *',
      WORK_PLAN_ESCALATION_CRON: '*/1 * * * * *',
      SALES_TIME_ZONE: zone,
      LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000',
    };
    // The api alone first, so everyone exists, and the punctual salesperson's plans are in, before any run.
    t = await startTestApp({ ...schedule, PROCESS_ROLE: 'api' });
    manager = await createUser(t, ['manager']);
    late = await createUser(t, ['sales'], { managerId: manager.id });
    punctual = await createUser(t, ['sales'], { managerId: manager.id });
    loner = await createUser(t, ['sales']);
    const { id: customerId } = await customer(t);
    for (const weekStart of [thisWeek, nextWeek]) {
      const plan = await t.http
        .post(`${API}/work-plans`)
        .set(bearer(punctual.token))
        .send({ weekStart, entries: [{ kind: 'visit', day: weekStart, customerId, lat: 28.9, lng: 120.05 }] })
        .expect(201);
      await t.http.post(`${API}/work-plans/${plan.body.id}/submit`).set(bearer(punctual.token)).expect(200);
    }
    for (let i = 0; i < 2; i += 1) {
      const env = Object.fromEntries(
        Object.entries({
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: t.config.DATABASE_URL,
          REDIS_URL: t.config.REDIS_URL,
          QUEUE_BACKEND: t.config.QUEUE_BACKEND,
          QUEUE_PREFIX: t.config.QUEUE_PREFIX,
          LOG_LEVEL: 'silent',
          DATABASE_POOL_SIZE: '5',
          ...schedule,
          PROCESS_ROLE: 'worker',
        }).filter(([, value]) => value !== undefined),
      ) as Record<string, string>;
      const worker = await createApp(loadConfig(env), { shutdownHooks: false });
      await worker.init();
      workers.push(worker);
    }
  }, 240_000);

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await t.close();
  }, 240_000);

  const notices = async (userId: string, kind: string) =>
    (
      await t.db.query(
        `SELECT title, details, subject_id AS "subjectId" FROM notifications WHERE user_id = $1 AND kind = $2`,
        [userId, kind],
      )
    ).rows;

  it('reminds each salesperson without a submitted plan once, and tells their manager once', async () => {
    const queue = workers[0].get<Queue>(getQueueToken(QueueName.FieldSales), { strict: false });
    await waitFor(
      async () =>
        (await notices(late.id, 'work_plan.reminder')).length > 0 &&
        (await notices(manager.id, 'work_plan.missing')).length > 0,
      30_000,
      'the first reminder and escalation',
    );
    // Both workers keep running the schedules: wait for several more runs, then count.
    const done = await queue.getCompletedCount();
    await waitFor(async () => (await queue.getCompletedCount()) >= done + 6, 30_000, 'six more runs');
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((scheduler) => [scheduler.key, scheduler.pattern, scheduler.tz]).sort()).toStrictEqual([
      ['work-plan-escalation', '*/1 * * * * *', zone],
      ['work-plan-reminder', '*/1 * * * * *', zone],
    ]);

    const reminders = await notices(late.id, 'work_plan.reminder');
    expect(reminders).toStrictEqual([
      { title: `请提交下周（${nextWeek}）的周计划`, details: { weekStart: nextWeek }, subjectId: null },
    ]);
    expect(await notices(loner.id, 'work_plan.reminder')).toHaveLength(1);
    expect(await notices(punctual.id, 'work_plan.reminder')).toHaveLength(0);
    // The manager hears of the late salesperson only; the one without a manager escalates to nobody.
    const missing = await notices(manager.id, 'work_plan.missing');
    expect(missing).toStrictEqual([
      {
        title: expect.stringContaining(thisWeek),
        details: { weekStart: thisWeek, salespersonId: late.id, salespersonName: expect.any(String) },
        subjectId: late.id,
      },
    ]);
    const claimed = await t.db.query(
      `SELECT owner_id AS "ownerId", to_char(week_start, 'YYYY-MM-DD') AS week, kind FROM work_plan_reminders ORDER BY kind, owner_id`,
    );
    expect(claimed.rows).toHaveLength(3);
    // The reminder's week is next week in the sales time zone, whatever the server's zone.
    expect(localDateOf(new Date(), zone) >= thisWeek).toBe(true);
  });
});
