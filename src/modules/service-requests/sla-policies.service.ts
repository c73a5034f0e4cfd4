import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { StaleVersion, Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { ReplaceSlaPoliciesDto, SlaPoliciesDto } from './dto/sla-policy.dto.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';
import { SEVERITIES, SlaPolicy } from './service-priority.js';

/** Targets per tier and severity. A change applies to requests received from then on. */
@Injectable()
export class SlaPoliciesService {
  constructor(
    private readonly policies: SlaPoliciesRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async read(): Promise<SlaPoliciesDto> {
    const { policies, version } = await this.policies.all();
    return {
      data: policies,
      version,
      businessHours: this.config.SERVICE_BUSINESS_HOURS,
      timeZone: this.config.SERVICE_TIME_ZONE,
    };
  }

  async replace(
    dto: ReplaceSlaPoliciesDto,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<SlaPoliciesDto> {
    const policies: SlaPolicy[] = dto.policies.map((policy) => ({
      tier: policy.tier ?? null,
      severity: policy.severity,
      firstResponseMinutes: policy.firstResponseMinutes,
      resolutionMinutes: policy.resolutionMinutes,
      warningPercent: policy.warningPercent ?? 80,
    }));
    assertCoherent(policies);
    await this.transactions.run(async (tx) => {
      const before = await this.policies.all(tx);
      if (expectedVersion !== undefined && expectedVersion !== before.version)
        throw new StaleVersion('The SLA policies', expectedVersion, before.version);
      await this.policies.replace(tx, policies);
      await this.audit.record(tx, principal, requestId, {
        action: 'sla_policies.replaced',
        entityType: 'sla_policies',
        entityId: null,
        before: before.policies,
        after: policies,
      });
    });
    return this.read();
  }
}

function assertCoherent(policies: SlaPolicy[]): void {
  const errors = policies.flatMap((policy, index) => {
    const problems = [];
    if (policy.resolutionMinutes < policy.firstResponseMinutes) {
      problems.push({
        field: `policies[${index}].resolutionMinutes`,
        message: 'must not be shorter than firstResponseMinutes',
      });
    }
    if (policies.findIndex((other) => other.tier === policy.tier && other.severity === policy.severity) !== index) {
      problems.push({
        field: `policies[${index}]`,
        message: `a second policy for tier ${policy.tier ?? 'null'} and severity ${policy.severity}`,
      });
    }
    return problems;
  });
  if (errors.length) throw new ValidationFailed(errors);
  const missing = SEVERITIES.filter(
    (severity) => !policies.some((policy) => policy.tier === null && policy.severity === severity),
  );
  if (missing.length) {
    throw new Unprocessable(
      `Every severity needs a policy for customers of any other tier (tier null), so no request is left without a target: missing ${missing.join(', ')}.`,
    );
  }
}
