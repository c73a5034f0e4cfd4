import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { ServiceLevelsController } from './service-levels.controller.js';
import { ServiceLevelsRepository } from './service-levels.repository.js';
import { ServiceRequestsController } from './service-requests.controller.js';
import { ServiceRequestsRepository } from './service-requests.repository.js';
import { ServiceRequestsService } from './service-requests.service.js';
import { SlaClockHandler } from './sla-clock.handler.js';
import { SlaPoliciesController } from './sla-policies.controller.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';
import { SlaPoliciesService } from './sla-policies.service.js';
import { SlaProcessor } from './sla.processor.js';

/** After-sales service: requests, the priority queue, dispatch, SLA policies and clocks. */
@Module({
  imports: [CustomersModule, IdentityModule, TasksModule],
  providers: [ServiceRequestsRepository, SlaPoliciesRepository, ServiceRequestsService, SlaPoliciesService, ServiceLevelsRepository],
  exports: [ServiceRequestsService, ServiceRequestsRepository, SlaPoliciesRepository, SlaPoliciesService, ServiceLevelsRepository],
})
export class ServiceRequestsModule {}

/** The service request endpoints, served by api processes only. */
@Module({ imports: [ServiceRequestsModule], controllers: [ServiceRequestsController, SlaPoliciesController, ServiceLevelsController] })
export class ServiceRequestsHttpModule {}

/** SLA alarms: scheduled from request events, fired as delayed jobs, in worker processes only. */
@Module({ imports: [ServiceRequestsModule, CustomersModule, IdentityModule, TasksModule], providers: [SlaClockHandler, SlaProcessor] })
export class ServiceRequestsWorkerModule {}
