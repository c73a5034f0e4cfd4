import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { CustomerMergeSteps } from '../../../common/customer-data/customer-merge-steps.js';
import { NotFound } from '../../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../../infrastructure/database/transaction-runner.js';
import { CustomersRepository } from '../customers.repository.js';
import { CustomerMergedInto } from '../customers-errors.js';
import { CustomerMergesRepository } from '../merge/customer-merges.repository.js';
import { MERGE_MODULES } from '../merge/merge-customers.js';

export class CustomerDataExport {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ example: '2026-12-01T23:00:00.000Z' }) exportedAt: string;
  @ApiProperty({
    description: 'Module → table → the rows it holds about the customer, as stored',
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'array', items: { type: 'object' } } },
  })
  modules: Record<string, Record<string, unknown[]>>;
}

/**
 * `GET /customers/{id}/export` (PIPL art. 45, GDPR art. 15/20): everything every module holds about
 * the customer, each module answering for its own tables through the step it registered (the same
 * registry merges use, so a module cannot own customer rows and be left out of the export), in one
 * transaction; audited with the modules and tables exported, not the values.
 */
@Injectable()
export class ExportCustomerData {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly customers: CustomersRepository,
    private readonly merges: CustomerMergesRepository,
    private readonly steps: CustomerMergeSteps,
    private readonly audit: AuditService,
  ) {}

  async execute(
    customerId: string,
    principal: Principal,
    requestId?: string,
    format: 'json' | 'zip' = 'json',
  ): Promise<CustomerDataExport> {
    const missing = MERGE_MODULES.filter((module) => !this.steps.get(module));
    if (missing.length) throw new Error(`customer data steps missing in this process: ${missing.join(', ')}`);
    if (!(await this.customers.findById(customerId))) {
      const survivorId = await this.merges.survivorOf(customerId);
      if (survivorId) throw new CustomerMergedInto(customerId, survivorId, `/api/v1/customers/${survivorId}/export`);
      throw new NotFound('Customer', customerId);
    }
    return this.transactions.run(async (tx) => {
      const modules: CustomerDataExport['modules'] = {};
      for (const module of MERGE_MODULES) modules[module] = await this.steps.get(module)!.exportRows(tx, customerId);
      await this.audit.record(tx, principal, requestId, {
        action: 'customer.exported',
        entityType: 'customer',
        entityId: customerId,
        fields: Object.entries(modules).flatMap(([module, tables]) =>
          Object.keys(tables).map((table) => `${module}.${table}`),
        ),
        after: { format },
      });
      return { customerId, exportedAt: new Date().toISOString(), modules };
    });
  }
}
