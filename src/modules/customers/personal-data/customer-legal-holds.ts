import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { NotFound } from '../../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../../infrastructure/database/transaction-runner.js';
import { CustomerErased } from '../customers-errors.js';
import type { LegalHoldDto } from './personal-data.dto.js';
import { type LegalHoldRow, PersonalDataRepository } from './personal-data.repository.js';

/**
 * Legal holds (administrators only): while one is open the customer's data may not be erased — a
 * dispute, litigation or an authority's request needs it kept. Setting a hold when one is open answers
 * the open one; releasing when none is open is 404. Both are audited.
 */
@Injectable()
export class CustomerLegalHolds {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly personalData: PersonalDataRepository,
    private readonly audit: AuditService,
  ) {}

  async get(customerId: string): Promise<LegalHoldDto> {
    const hold = await this.personalData.openHold(customerId);
    if (!hold) throw new NotFound('Legal hold of customer', customerId);
    return toLegalHoldDto(hold);
  }

  async set(customerId: string, reason: string, principal: Principal, requestId?: string): Promise<LegalHoldDto> {
    return this.transactions.run(async (tx) => {
      const customer = await this.personalData.lockAnyCustomer(tx, customerId);
      if (!customer || customer.mergedIntoId) throw new NotFound('Customer', customerId);
      if (customer.erasedAt) throw new CustomerErased(customerId, customer.erasedAt);
      const { hold, created } = await this.personalData.setHold(tx, { customerId, reason, ...actorOf(principal) });
      if (created)
        await this.audit.record(tx, principal, requestId, {
          action: 'customer.legal_hold_set',
          entityType: 'customer',
          entityId: customerId,
          after: { holdId: hold.id, reason },
        });
      return toLegalHoldDto(hold);
    });
  }

  async release(customerId: string, principal: Principal, requestId?: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const hold = await this.personalData.releaseHold(tx, customerId, actorOf(principal));
      if (!hold) throw new NotFound('Legal hold of customer', customerId);
      await this.audit.record(tx, principal, requestId, {
        action: 'customer.legal_hold_released',
        entityType: 'customer',
        entityId: customerId,
        after: { holdId: hold.id },
      });
    });
  }
}

function toLegalHoldDto(row: LegalHoldRow): LegalHoldDto {
  return {
    id: row.id,
    customerId: row.customerId,
    reason: row.reason,
    setBy: { type: row.setByType, id: row.setById },
    setAt: row.setAt.toISOString(),
  };
}
