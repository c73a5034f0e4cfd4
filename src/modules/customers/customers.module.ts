import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { SegmentsModule } from '../segments/segments.module.js';
import { CustomFieldsController } from './custom-fields.controller.js';
import { CustomFieldsRepository } from './custom-fields.repository.js';
import { CustomFieldsService } from './custom-fields.service.js';
import { CustomerAccess } from './customer-access.js';
import { CustomerRecordsRepository } from './customer-records.repository.js';
import { CustomerRecordsService } from './customer-records.service.js';
import { CustomersController } from './customers.controller.js';
import { CustomersRepository } from './customers.repository.js';
import { CustomersService } from './customers.service.js';
import { CustomerDuplicatesRepository } from './merge/customer-duplicates.repository.js';
import { CustomerMergesController } from './merge/customer-merges.controller.js';
import { CustomerMergesRepository } from './merge/customer-merges.repository.js';
import { CustomerMergesService } from './merge/customer-merges.service.js';
import { MergeCustomers } from './merge/merge-customers.js';
import { UndoCustomerMerge } from './merge/undo-customer-merge.js';
import { ExportCustomerData } from './personal-data/export-customer-data.js';
import { PersonalDataController } from './personal-data/personal-data.controller.js';
import { CustomerLegalHolds } from './personal-data/customer-legal-holds.js';
import { EraseCustomerData } from './personal-data/erase-customer-data.js';
import { PersonalDataRepository } from './personal-data/personal-data.repository.js';
import { CustomerImportWriter } from './imports/customer-import-writer.js';
import { CustomerImportProcessor } from './imports/customer-import.processor.js';
import { CustomerImportsController } from './imports/customer-imports.controller.js';
import { CustomerImportsRepository } from './imports/customer-imports.repository.js';
import { CustomerImportsService } from './imports/customer-imports.service.js';

@Module({
  imports: [IdentityModule, SegmentsModule],
  providers: [
    CustomersRepository,
    CustomerRecordsRepository,
    CustomFieldsRepository,
    CustomersService,
    CustomerRecordsService,
    CustomFieldsService,
    CustomerAccess,
    CustomerImportsRepository,
    CustomerImportsService,
    CustomerImportWriter,
    CustomerDuplicatesRepository,
    CustomerMergesRepository,
    CustomerMergesService,
    MergeCustomers,
    UndoCustomerMerge,
    ExportCustomerData,
    PersonalDataRepository,
    EraseCustomerData,
    CustomerLegalHolds,
  ],
  exports: [
    CustomersService,
    CustomerRecordsService,
    CustomFieldsService,
    CustomerImportsRepository,
    CustomerImportsService,
    CustomerImportWriter,
    CustomerMergesService,
    ExportCustomerData,
    EraseCustomerData,
    CustomerLegalHolds,
  ],
})
export class CustomersModule {}

/** The customer endpoints, served by api processes only. */
@Module({
  imports: [CustomersModule],
  controllers: [
    CustomerImportsController,
    CustomerMergesController,
    PersonalDataController,
    CustomersController,
    CustomFieldsController,
  ],
})
export class CustomersHttpModule {}

/** CSV imports, run by worker processes only. */
@Module({ imports: [CustomersModule], providers: [CustomerImportProcessor] })
export class CustomersWorkerModule {}
