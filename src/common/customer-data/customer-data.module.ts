import { Global, Module } from '@nestjs/common';
import { CustomerMergeSteps } from './customer-merge-steps.js';
import { PlatformCustomerDataCopies } from './platform-customer-data-copies.js';

/** The registry modules plug their customer-data steps into, and the platform's own copies (outbox, audit log). */
@Global()
@Module({ providers: [CustomerMergeSteps, PlatformCustomerDataCopies], exports: [CustomerMergeSteps] })
export class CustomerDataModule {}
