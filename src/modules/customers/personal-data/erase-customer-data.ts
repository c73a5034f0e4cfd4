import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import {
  type CustomerErasure,
  CustomerMergeSteps,
  ERASED_TEXT,
} from '../../../common/customer-data/customer-merge-steps.js';
import { containsAny, personalDataSearch } from '../../../common/customer-data/personal-data-redaction.js';
import { NotFound } from '../../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../../infrastructure/outbox/outbox.writer.js';
import { CustomerMergedInto, CustomerUnderLegalHold } from '../customers-errors.js';
import { CustomersEvents } from '../customers.events.js';
import { MERGE_MODULES } from '../merge/merge-customers.js';
import type { CustomerErasureDto, ERASURE_GROUNDS } from './personal-data.dto.js';
import { type CustomerErasureRow, PersonalDataRepository } from './personal-data.repository.js';

/**
 * Holders of copies of customer data, scrubbed after the modules erased their rows, in this order: the
 * platform's outbox first, its rows locked, then the webhooks' stored events — a fan-out running at the
 * same moment reads the outbox under FOR KEY SHARE, so it either stores the redacted body or has stored
 * its copy before the webhooks' scan looks.
 */
export const CUSTOMER_DATA_COPY_HOLDERS = ['platform', 'webhooks'];

export interface EraseCommand {
  customerId: string;
  ground: (typeof ERASURE_GROUNDS)[number];
  reference?: string;
  principal: Principal;
  requestId?: string;
}

/**
 * `POST /customers/{id}/erase` (PIPL art. 47, GDPR art. 17), in one transaction: refused while a legal
 * hold is open; otherwise every module anonymises its own rows of the customer — and of the duplicates
 * merged into it, the same person — through the step it registered (the merge registry), then the
 * holders of copies (webhook events, the outbox, the audit log, stored responses) redact every copy
 * that names the customer's ids or contacts. The books keep their rows: purchases, points, tiers,
 * amounts, linked to the anonymised customer. Records the erasure (who, when, on which ground, how many
 * rows — not the values), an audit row and `customer.erased`. A repeat answers with the first erasure.
 */
@Injectable()
export class EraseCustomerData {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly personalData: PersonalDataRepository,
    private readonly steps: CustomerMergeSteps,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
  ) {}

  async execute(command: EraseCommand): Promise<{ erasure: CustomerErasureDto; created: boolean }> {
    const missing = [
      ...MERGE_MODULES.filter((module) => !this.steps.get(module)),
      ...CUSTOMER_DATA_COPY_HOLDERS.filter((holder) => !this.steps.copiesOf(holder)),
    ];
    if (missing.length) throw new Error(`customer data steps missing in this process: ${missing.join(', ')}`);
    const { customerId, principal } = command;

    return this.transactions.run(async (tx) => {
      const customer = await this.personalData.lockAnyCustomer(tx, customerId);
      if (!customer) throw new NotFound('Customer', customerId);
      const earlier = await this.personalData.erasureOf(customerId, tx);
      if (earlier) return { erasure: toErasureDto(earlier), created: false };
      if (customer.mergedIntoId)
        throw new CustomerMergedInto(
          customerId,
          customer.mergedIntoId,
          `/api/v1/customers/${customer.mergedIntoId}/erase`,
        );
      const hold = await this.personalData.openHold(customerId, tx);
      if (hold) throw new CustomerUnderLegalHold(customerId, hold.setAt);

      const mergedIds = await this.personalData.mergedInto(tx, customerId);
      const erasure: CustomerErasure = { customerId, customerIds: [customerId, ...mergedIds] };
      for (const id of mergedIds) await this.personalData.lockAnyCustomer(tx, id);
      // Read before the customers step clears them: the contacts find the copies elsewhere.
      const contacts = await this.personalData.contactsOf(tx, erasure.customerIds);

      const erased: Record<string, Record<string, number>> = {};
      const values: string[] = [];
      for (const module of MERGE_MODULES) {
        const rows = await this.steps.get(module)!.erase(tx, erasure);
        erased[module] = rows.counts;
        values.push(...rows.values);
      }
      const search = personalDataSearch(erasure.customerIds, contacts, values);
      for (const holder of CUSTOMER_DATA_COPY_HOLDERS)
        erased[holder] = await this.steps.copiesOf(holder)!.scrub(tx, erasure, search);

      const reference =
        command.reference && containsAny(command.reference, search.forms) ? ERASED_TEXT : (command.reference ?? null);
      const row = await this.personalData.insertErasure(tx, {
        customerId,
        ground: command.ground,
        reference,
        mergedIds,
        erased,
        ...actorOf(principal),
        requestId: command.requestId ?? null,
      });
      await this.audit.record(tx, principal, command.requestId, {
        action: 'customer.erased',
        entityType: 'customer',
        entityId: customerId,
        fields: Object.entries(erased).flatMap(([module, tables]) =>
          Object.keys(tables).map((table) => `${module}.${table}`),
        ),
        after: { ground: command.ground, reference, mergedIds, erased },
      });
      await this.outbox.record(tx, CustomersEvents.customerErased, customerId, {
        customerId,
        mergedIds,
        erasedAt: row.erasedAt.toISOString(),
      });
      return { erasure: toErasureDto(row), created: true };
    });
  }
}

export function toErasureDto(row: CustomerErasureRow): CustomerErasureDto {
  return {
    customerId: row.customerId,
    ground: row.ground,
    reference: row.reference,
    mergedIds: row.mergedIds,
    erased: row.erased,
    erasedBy: { type: row.actorType, id: row.actorId },
    erasedAt: row.erasedAt.toISOString(),
  };
}
