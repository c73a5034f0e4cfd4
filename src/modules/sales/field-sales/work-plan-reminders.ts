import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AppConfig } from '../../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../../infrastructure/database/transaction-runner.js';
import { registerJobSchedulers } from '../../../infrastructure/queues/job-schedulers.js';
import { QueueName, type WorkPlanReminderJob } from '../../../infrastructure/queues/queue-names.js';
import { UsersService } from '../../identity/users.service.js';
import type { NewNotification } from '../../notifications/notifications.service.js';
import { NotificationsService } from '../../notifications/notifications.service.js';
import { addDays, weekStartAt } from './week.js';
import { WorkPlansRepository } from './work-plans.repository.js';

/**
 * Friday afternoon: every salesperson without a submitted plan for next week is reminded. Monday
 * morning: the manager of everyone still without one for this week is told. Each (salesperson, week,
 * stage) is claimed once in work_plan_reminders, so a rerun, a retry or a second worker sends nothing twice.
 */
@Injectable()
export class RemindMissingWorkPlans {
  constructor(
    private readonly plans: WorkPlansRepository,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
  ) {}

  async execute(stage: 'reminder' | 'escalation', now = new Date()): Promise<{ weekStart: string; notified: number }> {
    const thisWeek = weekStartAt(now, this.config.SALES_TIME_ZONE);
    const weekStart = stage === 'reminder' ? addDays(thisWeek, 7) : thisWeek;
    const sellers = (await this.users.findQualified(['sales'], null, null)).filter(
      (user) => stage === 'reminder' || user.managerId,
    );
    const submitted = await this.plans.ownersWithSubmittedPlan(
      sellers.map((user) => user.id),
      weekStart,
    );
    const missing = sellers.filter((user) => !submitted.has(user.id));
    if (!missing.length) return { weekStart, notified: 0 };
    return this.transactions.run(async (tx) => {
      const claimed = new Set(
        await this.plans.claimReminders(
          tx,
          missing.map((user) => user.id),
          weekStart,
          stage,
        ),
      );
      const notices: NewNotification[] = missing
        .filter((user) => claimed.has(user.id))
        .map((user) =>
          stage === 'reminder'
            ? {
                userId: user.id,
                kind: 'work_plan.reminder',
                title: `请提交下周（${weekStart}）的周计划`,
                details: { weekStart },
              }
            : {
                userId: user.managerId!,
                kind: 'work_plan.missing',
                title: `${user.name} 本周（${weekStart}）的周计划还没有提交`,
                subjectType: 'user',
                subjectId: user.id,
                details: { weekStart, salespersonId: user.id, salespersonName: user.name },
              },
        );
      await this.notifications.notify(tx, ...notices);
      return { weekStart, notified: notices.length };
    });
  }
}

/** The field-sales queue: the two weekly schedules (one job scheduler each, so one run per slot across all workers). */
@Processor(QueueName.FieldSales)
export class FieldSalesProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(FieldSalesProcessor.name);

  constructor(
    @InjectQueue(QueueName.FieldSales) private readonly queue: Queue<WorkPlanReminderJob>,
    private readonly remind: RemindMissingWorkPlans,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    const tz = this.config.SALES_TIME_ZONE;
    registerJobSchedulers(
      this.queue,
      [
        {
          id: 'work-plan-reminder',
          repeat: { pattern: this.config.WORK_PLAN_REMINDER_CRON, tz },
          data: { stage: 'reminder' },
        },
        {
          id: 'work-plan-escalation',
          repeat: { pattern: this.config.WORK_PLAN_ESCALATION_CRON, tz },
          data: { stage: 'escalation' },
        },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  process(job: Job<WorkPlanReminderJob>): Promise<{ weekStart: string; notified: number }> {
    return this.remind.execute(job.data.stage);
  }
}
