import { Module } from '@nestjs/common';
import { CustomersModule } from '../../customers/customers.module.js';
import { IdentityModule } from '../../identity/identity.module.js';
import { NotificationsModule } from '../../notifications/notifications.module.js';
import { SalesModule } from '../sales.module.js';
import { FieldSalesService } from './field-sales.service.js';
import { FieldSalesController, VisitsController, VisitsReportController } from './visits.controller.js';
import { VisitsRepository } from './visits.repository.js';
import { VisitsService } from './visits.service.js';
import { FieldSalesProcessor, RemindMissingWorkPlans } from './work-plan-reminders.js';
import { WorkPlansController } from './work-plans.controller.js';
import { WorkPlansRepository } from './work-plans.repository.js';
import { WorkPlansService } from './work-plans.service.js';

/** Field sales (R-SP4, R-SP5): weekly work plans and their review, visits, trips, nearby, dispatch, reminders. */
@Module({
  imports: [SalesModule, CustomersModule, IdentityModule, NotificationsModule],
  providers: [
    WorkPlansRepository,
    VisitsRepository,
    WorkPlansService,
    VisitsService,
    FieldSalesService,
    RemindMissingWorkPlans,
  ],
  exports: [WorkPlansService, VisitsService, FieldSalesService, RemindMissingWorkPlans],
})
export class FieldSalesModule {}

/** The field-sales endpoints, served by api processes only. */
@Module({
  imports: [FieldSalesModule],
  controllers: [WorkPlansController, VisitsController, FieldSalesController, VisitsReportController],
})
export class FieldSalesHttpModule {}

/** The Friday reminder and Monday escalation schedules, in worker processes only. */
@Module({ imports: [FieldSalesModule], providers: [FieldSalesProcessor] })
export class FieldSalesWorkerModule {}
