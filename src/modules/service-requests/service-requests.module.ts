import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { DispatchServiceRequest } from './dispatch-service-request.js';
import { FileServiceRequest } from './file-service-request.js';
import { RecordSatisfaction } from './record-satisfaction.js';
import { ServiceLevelsController } from './service-levels.controller.js';
import { ServiceLevelsRepository } from './service-levels.repository.js';
import { ServiceRequestsController } from './service-requests.controller.js';
import { ServiceRequestsRepository } from './service-requests.repository.js';
import { ServiceRequestTransitions } from './service-request-transitions.js';
import { ServiceRequestsService } from './service-requests.service.js';
import { SlaClockHandler } from './sla-clock.handler.js';
import { SlaPoliciesController } from './sla-policies.controller.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';
import { SlaPoliciesService } from './sla-policies.service.js';
import { SlaProcessor } from './sla.processor.js';
import { TakeNextServiceRequest } from './take-next-service-request.js';
import { TransitionServiceRequest } from './transition-service-request.js';
import { UpdateServiceRequest } from './update-service-request.js';
import { ServiceRequestsMergeStep } from './service-requests-merge.step.js';

const USE_CASES = [
  FileServiceRequest,
  TakeNextServiceRequest,
  DispatchServiceRequest,
  TransitionServiceRequest,
  UpdateServiceRequest,
  RecordSatisfaction,
];

/** After-sales service: requests, the priority queue, dispatch, SLA policies and clocks. */
@Module({
  imports: [CustomersModule, IdentityModule, TasksModule],
  providers: [
    ServiceRequestsMergeStep,
    ServiceRequestsRepository,
    SlaPoliciesRepository,
    ServiceRequestTransitions,
    ...USE_CASES,
    ServiceRequestsService,
    SlaPoliciesService,
    ServiceLevelsRepository,
  ],
  exports: [
    ...USE_CASES,
    ServiceRequestsService,
    ServiceRequestsRepository,
    SlaPoliciesRepository,
    SlaPoliciesService,
    ServiceLevelsRepository,
  ],
})
export class ServiceRequestsModule {}

/** The service request endpoints, served by api processes only. */
@Module({
  imports: [ServiceRequestsModule],
  controllers: [ServiceRequestsController, SlaPoliciesController, ServiceLevelsController],
})
export class ServiceRequestsHttpModule {}

/** SLA alarms: scheduled from request events, fired as delayed jobs, in worker processes only. */
@Module({
  imports: [ServiceRequestsModule, CustomersModule, IdentityModule, TasksModule],
  providers: [SlaClockHandler, SlaProcessor],
})
export class ServiceRequestsWorkerModule {}
