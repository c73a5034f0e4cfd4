import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { OpportunitiesController } from './opportunities.controller.js';
import { OpportunitiesService } from './opportunities.service.js';
import { PipelinesController } from './pipelines.controller.js';
import { PipelinesService } from './pipelines.service.js';
import { ProductsRepository } from './products.repository.js';
import { ProductsService } from './products.service.js';
import { QuotesController } from './quotes.controller.js';
import { QuotesRepository } from './quotes.repository.js';
import { QuotesService } from './quotes.service.js';
import { SalesReportsController } from './reports.controller.js';
import { ReportsRepository } from './reports.repository.js';
import { SalesReportsService } from './reports.service.js';
import { HandOverController } from './hand-over.controller.js';
import { HandOverRepository } from './hand-over.repository.js';
import { HandOverBook, HandOverStarter, RequestHandOver } from './hand-over.js';
import { SpreadOverRules } from './hand-over-spread.js';
import { AssignmentRulesController } from './assignment-rules.controller.js';
import { AssignmentRulesRepository } from './assignment-rules.repository.js';
import { AssignmentRulesService } from './assignment-rules.service.js';
import { AttributionsRepository } from './attributions.repository.js';
import { ChangeLeadStatus } from './change-lead-status.js';
import { ConvertLead } from './convert-lead.js';
import { CreateLead } from './create-lead.js';
import { LeadAssigner } from './lead-assigner.js';
import { RemindOverdueLead } from './lead-overdue.js';
import { LeadRemindersHandler } from './lead-reminders.handler.js';
import { LeadsController } from './leads.controller.js';
import { LeadsRepository } from './leads.repository.js';
import { LeadsService } from './leads.service.js';
import { OpportunitiesRepository } from './opportunities.repository.js';
import { PipelinesRepository } from './pipelines.repository.js';
import { PurchaseAttributionHandler } from './purchase-attribution.handler.js';
import { SalesAccess } from './sales-access.js';
import { SalesProcessor } from './sales.processor.js';
import { SalesMergeStep } from './sales-merge.step.js';

const USE_CASES = [CreateLead, ChangeLeadStatus, ConvertLead, RemindOverdueLead, RequestHandOver, HandOverBook];

/** Sales: leads and their assignment rules, conversion, pipelines and opportunities, the price list and quotes (R-SP1–SP3, SP6). */
@Module({
  imports: [CustomersModule, IdentityModule, TasksModule],
  providers: [
    SalesMergeStep,
    LeadsRepository,
    AssignmentRulesRepository,
    OpportunitiesRepository,
    PipelinesRepository,
    AttributionsRepository,
    ProductsRepository,
    QuotesRepository,
    ReportsRepository,
    HandOverRepository,
    SalesAccess,
    LeadAssigner,
    SpreadOverRules,
    ...USE_CASES,
    LeadsService,
    AssignmentRulesService,
    OpportunitiesService,
    PipelinesService,
    ProductsService,
    QuotesService,
    SalesReportsService,
  ],
  exports: [
    ...USE_CASES,
    LeadsService,
    AssignmentRulesService,
    OpportunitiesService,
    PipelinesService,
    ProductsService,
    QuotesService,
    SalesReportsService,
    LeadsRepository,
    AttributionsRepository,
    SalesAccess,
  ],
})
export class SalesModule {}

/** The sales endpoints, served by api processes only. */
@Module({
  imports: [SalesModule],
  controllers: [
    LeadsController,
    AssignmentRulesController,
    OpportunitiesController,
    PipelinesController,
    QuotesController,
    SalesReportsController,
    HandOverController,
  ],
})
export class SalesHttpModule {}

/** Lead reminders, purchase attribution and hand-overs, in worker processes only. */
@Module({
  imports: [SalesModule],
  providers: [LeadRemindersHandler, PurchaseAttributionHandler, HandOverStarter, SalesProcessor],
})
export class SalesWorkerModule {}
