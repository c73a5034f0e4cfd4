import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { ServiceRequestsModule } from '../service-requests/service-requests.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { AssignComplaint } from './assign-complaint.js';
import { ComplaintAdminController } from './complaint-admin.controller.js';
import { ComplaintAdminService } from './complaint-admin.service.js';
import { ComplaintSlaHandler } from './complaint-sla.handler.js';
import { ComplaintSlaProcessor } from './complaint-sla.processor.js';
import { ComplaintTargetsRepository } from './complaint-targets.repository.js';
import { ComplaintTaxonomyRepository } from './complaint-taxonomy.repository.js';
import { ComplaintTransitions } from './complaint-transitions.js';
import { ComplaintsController } from './complaints.controller.js';
import { ComplaintsRepository } from './complaints.repository.js';
import { ComplaintsService } from './complaints.service.js';
import { EscalateComplaint } from './escalate-complaint.js';
import { FileComplaint } from './file-complaint.js';
import { OpenProblemsController } from './open-problems.controller.js';
import { OpenProblemsRepository } from './open-problems.repository.js';
import { OpenProblemsService } from './open-problems.service.js';
import { OverdueServiceRequestsHandler } from './overdue-service-requests.handler.js';
import { RecordComplaintSatisfaction } from './record-complaint-satisfaction.js';
import { TransitionComplaint } from './transition-complaint.js';
import { ComplaintReportController } from './complaint-report.controller.js';
import { ComplaintReportRepository } from './complaint-report.repository.js';
import { ComplaintReportService } from './complaint-report.service.js';
import { ComplaintReportProcessor } from './complaint-report.processor.js';
import { ComplaintReportReader } from './complaint-report-reader.js';
import { ComplaintReportRollupsRepository } from './complaint-report-rollups.repository.js';
import { RollUpComplaintReport } from './roll-up-complaint-report.js';
import { CompleteImprovementAction } from './complete-improvement-action.js';
import { ImprovementActionsController } from './improvement-actions.controller.js';
import { ImprovementActionsRepository } from './improvement-actions.repository.js';
import { ImprovementActionsService } from './improvement-actions.service.js';
import { ComplaintsMergeStep } from './complaints-merge.step.js';

const USE_CASES = [
  FileComplaint,
  TransitionComplaint,
  AssignComplaint,
  EscalateComplaint,
  RecordComplaintSatisfaction,
  CompleteImprovementAction,
];

/** Complaints (R-P1…P5): intake, lifecycle, targets and escalation, taxonomies, and the customers' open problems. */
@Module({
  imports: [CustomersModule, IdentityModule, ServiceRequestsModule, TasksModule],
  providers: [
    ComplaintsMergeStep,
    ComplaintsRepository,
    ComplaintTaxonomyRepository,
    ComplaintTargetsRepository,
    OpenProblemsRepository,
    ComplaintReportRepository,
    ComplaintReportRollupsRepository,
    ImprovementActionsRepository,
    ComplaintReportReader,
    RollUpComplaintReport,
    ComplaintsService,
    ComplaintReportService,
    ImprovementActionsService,
    ComplaintTransitions,
    ...USE_CASES,
    ComplaintAdminService,
    OpenProblemsService,
  ],
  exports: [
    ...USE_CASES,
    ComplaintsService,
    ComplaintAdminService,
    ComplaintReportService,
    RollUpComplaintReport,
    ImprovementActionsService,
    OpenProblemsService,
    ComplaintsRepository,
    ComplaintTargetsRepository,
    OpenProblemsRepository,
  ],
})
export class ComplaintsModule {}

/** The complaint endpoints, served by api processes only. */
@Module({
  imports: [ComplaintsModule, CustomersModule],
  controllers: [
    ComplaintsController,
    ComplaintAdminController,
    OpenProblemsController,
    ComplaintReportController,
    ImprovementActionsController,
  ],
})
export class ComplaintsHttpModule {}

/** Complaint alarms and the overdue service requests of the open problems, in worker processes only. */
@Module({
  imports: [ComplaintsModule, ServiceRequestsModule],
  providers: [ComplaintSlaHandler, ComplaintSlaProcessor, ComplaintReportProcessor, OverdueServiceRequestsHandler],
})
export class ComplaintsWorkerModule {}
