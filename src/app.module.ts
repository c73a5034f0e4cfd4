import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuditModule } from './common/audit/audit.module.js';
import { AuthGuard } from './common/auth/auth.guard.js';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter.js';
import { RequestValidationPipe } from './common/errors/validation.js';
import { CustomerDataModule } from './common/customer-data/customer-data.module.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { ConfigModule } from './infrastructure/config/config.module.js';
import { CoordinationModule } from './infrastructure/coordination/coordination.module.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { MaintenanceModule } from './infrastructure/maintenance/maintenance.module.js';
import { ObservabilityModule } from './infrastructure/observability.module.js';
import { OutboxModule } from './infrastructure/outbox/outbox.module.js';
import { QueuesModule } from './infrastructure/queues/queues.module.js';
import { AdminHttpModule } from './modules/admin/admin.module.js';
import { EVENT_CATALOGUES } from './modules/event-catalogues.js';
import { ComplaintsHttpModule, ComplaintsWorkerModule } from './modules/complaints/complaints.module.js';
import { CustomersHttpModule, CustomersWorkerModule } from './modules/customers/customers.module.js';
import { IdentityHttpModule, IdentityModule } from './modules/identity/identity.module.js';
import { LoyaltyHttpModule, LoyaltyWorkerModule } from './modules/loyalty/loyalty.module.js';
import {
  ServiceRequestsHttpModule,
  ServiceRequestsWorkerModule,
} from './modules/service-requests/service-requests.module.js';
import { FeedbackHttpModule } from './modules/feedback/feedback.module.js';
import { OutreachHttpModule, OutreachWorkerModule } from './modules/outreach/outreach.module.js';
import { SegmentsHttpModule } from './modules/segments/segments-http.module.js';
import { SalesHttpModule, SalesWorkerModule } from './modules/sales/sales.module.js';
import { FieldSalesHttpModule, FieldSalesWorkerModule } from './modules/sales/field-sales/field-sales.module.js';
import { NotificationsHttpModule } from './modules/notifications/notifications.module.js';
import { TasksHttpModule } from './modules/tasks/tasks.module.js';
import { WebhooksHttpModule, WebhooksWorkerModule } from './modules/webhooks/webhooks.module.js';

/**
 * One codebase, two kinds of process: `api` serves HTTP, `worker` runs the relay and the queue
 * processors (with health and metrics only), `all` does both in one process.
 */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    const runsApi = config.PROCESS_ROLE !== 'worker';
    const runsWorkers = config.PROCESS_ROLE !== 'api';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        CoordinationModule.forConfig(config),
        QueuesModule,
        AuditModule,
        CustomerDataModule,
        OutboxModule.forRole(runsWorkers, EVENT_CATALOGUES),
        ObservabilityModule,
        ...(runsWorkers ? [MaintenanceModule] : []),
        IdentityModule,
        ...(runsApi
          ? [
              IdentityHttpModule,
              CustomersHttpModule,
              LoyaltyHttpModule,
              ServiceRequestsHttpModule,
              ComplaintsHttpModule,
              TasksHttpModule,
              OutreachHttpModule,
              FeedbackHttpModule,
              SegmentsHttpModule,
              WebhooksHttpModule,
              AdminHttpModule,
              SalesHttpModule,
              FieldSalesHttpModule,
              NotificationsHttpModule,
            ]
          : []),
        ...(runsWorkers
          ? [
              CustomersWorkerModule,
              LoyaltyWorkerModule,
              ServiceRequestsWorkerModule,
              ComplaintsWorkerModule,
              OutreachWorkerModule,
              WebhooksWorkerModule,
              SalesWorkerModule,
              FieldSalesWorkerModule,
            ]
          : []),
      ],
      providers: [
        { provide: APP_PIPE, useClass: RequestValidationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // On every role: a worker serves only public health and metrics, but nothing may ever be open by accident.
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
