import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Conflict, NotFound } from '../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { InvalidTransition } from './service-requests-errors.js';
import { ServiceRequestTransitions } from './service-request-transitions.js';
import { ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';

/** The customer rates a resolved (or closed) request, once per resolution (R-S5); a reopen clears it. */
@Injectable()
export class RecordSatisfaction {
  constructor(
    private readonly requests: ServiceRequestsRepository,
    private readonly transitions: ServiceRequestTransitions,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  execute(
    command: { id: string; score: number; comment?: string },
    principal: Principal,
    requestId: string,
  ): Promise<ServiceRequestRow> {
    const { id, score, comment } = command;
    return this.transactions.run(async (tx) => {
      const current = await this.transitions.lockVisible(tx, id, principal);
      // A partner key rates only the requests it filed; another's are not there for it.
      if (principal.kind === 'api_key' && !(await this.requests.filedBy(tx, id, principal)))
        throw new NotFound('Service request', id);
      if (!['resolved', 'closed'].includes(current.status)) {
        throw new InvalidTransition('Satisfaction is asked for after the request is resolved.');
      }
      if (current.satisfactionScore !== null) throw new Conflict('Satisfaction was already recorded for this request.');
      const row = await this.requests.update(
        tx,
        id,
        { satisfaction_score: score, satisfaction_comment: comment ?? null },
        { change: 'satisfaction_recorded', details: { score } },
      );
      await this.audit.record(tx, principal, requestId, {
        action: 'service_request.satisfaction_recorded',
        entityType: 'service_request',
        entityId: id,
        after: { score, comment },
      });
      return row;
    });
  }
}
