import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { StaleVersion } from '../../common/errors/domain-errors.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { UpdateServiceRequestDto } from './dto/service-request.dto.js';
import { toServiceRequestDto } from './service-request.presenter.js';
import { deadlineColumns, ServiceRequestTransitions } from './service-request-transitions.js';
import { ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';

const EDITABLE = {
  type: 'type',
  severity: 'severity',
  subject: 'subject',
  description: 'description',
  requiredSkill: 'required_skill',
  region: 'region',
  address: 'address',
} as const;

/**
 * The details of a request are corrected. A new severity of an open request sets its deadlines anew
 * from the targets for that severity (the clocks keep their start and the time waited).
 */
@Injectable()
export class UpdateServiceRequest {
  constructor(
    private readonly requests: ServiceRequestsRepository,
    private readonly transitions: ServiceRequestTransitions,
    private readonly policies: SlaPoliciesRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  execute(
    id: string,
    command: UpdateServiceRequestDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<ServiceRequestRow> {
    rejectNulls(command, ['type', 'severity', 'subject']);
    const expected = ifMatch ?? command.version;
    return this.transactions.run(async (tx) => {
      const current = await this.transitions.lockVisible(tx, id, principal);
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('The service request', expected, current.version);
      const changes: Record<string, unknown> = {};
      for (const [field, column] of Object.entries(EDITABLE)) {
        const value = command[field as keyof typeof EDITABLE];
        if (value !== undefined && value !== current[field as keyof typeof EDITABLE]) changes[column] = value;
      }
      if (!Object.keys(changes).length) return current;
      if (changes.severity && !['resolved', 'closed'].includes(current.status)) {
        const targets = await this.policies.targetsFor(current.tier, changes.severity as string, tx);
        Object.assign(
          changes,
          deadlineColumns(
            current,
            new Date(current.slaStartedAt),
            targets,
            current.pausedMinutes,
            this.config.businessCalendar,
          ),
        );
      }
      const row = await this.requests.update(tx, id, changes, {
        change: 'updated',
        details: { fields: Object.keys(changes) },
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'service_request.updated',
        entityType: 'service_request',
        entityId: id,
        before: toServiceRequestDto(current),
        after: toServiceRequestDto(row),
        fields: Object.keys(changes),
      });
      return row;
    });
  }
}
