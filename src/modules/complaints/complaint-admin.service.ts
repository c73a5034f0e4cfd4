import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import {
  Conflict,
  NotFound,
  StaleVersion,
  Unprocessable,
  ValidationFailed,
} from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { UsersService } from '../identity/users.service.js';
import type {
  ComplaintSettingsDto,
  ComplaintTargetsDto,
  CreateComplaintCategoryDto,
  CreateRootCauseDto,
  ReplaceComplaintTargetsDto,
  UpdateComplaintSettingsDto,
  UpdateTaxonomyEntryDto,
} from './dto/complaint-admin.dto.js';
import { COMPLAINT_SEVERITIES, type ComplaintTarget } from './complaint-clock.js';
import { ComplaintTargetsRepository } from './complaint-targets.repository.js';
import { CategoryRow, ComplaintTaxonomyRepository, RootCauseRow } from './complaint-taxonomy.repository.js';

const TABLES = { category: 'complaint_categories', rootCause: 'complaint_root_causes' } as const;

/** What administrators configure: the two taxonomies, the targets and the escalation settings. Every change is audited. */
@Injectable()
export class ComplaintAdminService {
  constructor(
    private readonly taxonomy: ComplaintTaxonomyRepository,
    private readonly targets: ComplaintTargetsRepository,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  categories(): Promise<CategoryRow[]> {
    return this.taxonomy.categories();
  }

  rootCauses(): Promise<RootCauseRow[]> {
    return this.taxonomy.rootCauses();
  }

  createCategory(dto: CreateComplaintCategoryDto, principal: Principal, requestId: string): Promise<CategoryRow> {
    return this.transactions.run(async (tx) => {
      const row = await this.taxonomy.createCategory(tx, dto);
      if (!row) throw new Conflict(`A category with the code ${dto.code} exists already.`);
      await this.audit.record(tx, principal, requestId, {
        action: 'complaint_category.created',
        entityType: 'complaint_category',
        entityId: row.code,
        after: row,
      });
      return row;
    });
  }

  createRootCause(dto: CreateRootCauseDto, principal: Principal, requestId: string): Promise<RootCauseRow> {
    const parentCode = dto.parentCode ?? null;
    const expected = parentCode ? `${parentCode}.` : null;
    if (expected ? !dto.code.startsWith(expected) : dto.code.includes('.'))
      throw new ValidationFailed([
        {
          field: 'code',
          message: parentCode
            ? `a cause of ${parentCode} is named ${parentCode}.<cause>`
            : 'a group has no dot in its code',
        },
      ]);
    return this.transactions.run(async (tx) => {
      if (parentCode) {
        const parent = await this.taxonomy.rootCause(parentCode, tx);
        if (!parent || parent.parentCode)
          throw new Unprocessable('Root causes have two levels: the parent must be a group.', [
            { field: 'parentCode', message: parent ? 'this is a cause, not a group' : 'no group has this code' },
          ]);
      }
      const row = await this.taxonomy.createRootCause(tx, { code: dto.code, label: dto.label, parentCode });
      if (!row) throw new Conflict(`A root cause with the code ${dto.code} exists already.`);
      await this.audit.record(tx, principal, requestId, {
        action: 'complaint_root_cause.created',
        entityType: 'complaint_root_cause',
        entityId: row.code,
        after: row,
      });
      return row;
    });
  }

  updateEntry(
    kind: keyof typeof TABLES,
    code: string,
    dto: UpdateTaxonomyEntryDto,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<RootCauseRow> {
    const what = kind === 'category' ? 'complaint category' : 'root cause';
    return this.transactions.run(async (tx) => {
      const before = await this.taxonomy.lock(tx, TABLES[kind], code);
      if (!before) throw new NotFound(kind === 'category' ? 'Complaint category' : 'Root cause', code);
      if (expectedVersion !== undefined && expectedVersion !== before.version)
        throw new StaleVersion(`The ${what}`, expectedVersion, before.version);
      const after = await this.taxonomy.update(tx, TABLES[kind], code, dto);
      await this.audit.record(tx, principal, requestId, {
        action: `complaint_${kind === 'category' ? 'category' : 'root_cause'}.updated`,
        entityType: `complaint_${kind === 'category' ? 'category' : 'root_cause'}`,
        entityId: code,
        before,
        after,
      });
      return after;
    });
  }

  async readTargets(): Promise<ComplaintTargetsDto> {
    const [data, version] = await Promise.all([this.targets.targets(), this.targets.targetsVersion()]);
    return {
      data,
      version,
      businessHours: this.config.SERVICE_BUSINESS_HOURS,
      timeZone: this.config.SERVICE_TIME_ZONE,
    };
  }

  async replaceTargets(
    dto: ReplaceComplaintTargetsDto,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<ComplaintTargetsDto> {
    const targets: ComplaintTarget[] = dto.targets.map((target) => ({
      tier: target.tier ?? null,
      severity: target.severity,
      acknowledgeMinutes: target.acknowledgeMinutes,
      resolveMinutes: target.resolveMinutes,
    }));
    assertCoherent(targets);
    await this.transactions.run(async (tx) => {
      const before = await this.targets.targets(tx);
      const version = await this.targets.replaceTargets(tx, targets);
      if (expectedVersion !== undefined && expectedVersion !== version)
        throw new StaleVersion('The complaint targets', expectedVersion, version);
      await this.audit.record(tx, principal, requestId, {
        action: 'complaint_targets.replaced',
        entityType: 'complaint_targets',
        entityId: null,
        before,
        after: targets,
      });
    });
    return this.readTargets();
  }

  settings(): Promise<ComplaintSettingsDto> {
    return this.targets.settings();
  }

  async updateSettings(
    dto: UpdateComplaintSettingsDto,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<ComplaintSettingsDto> {
    if (dto.directorId) {
      const director = await this.users.find(dto.directorId);
      if (!director?.active)
        throw new Unprocessable('The complaints director must be an active user.', [
          { field: 'directorId', message: 'no active user has this id' },
        ]);
    }
    return this.transactions.run(async (tx) => {
      const before = await this.targets.settings(tx, true);
      if (expectedVersion !== undefined && expectedVersion !== before.version)
        throw new StaleVersion('The complaint settings', expectedVersion, before.version);
      const after = await this.targets.updateSettings(tx, {
        warningPercent: dto.warningPercent ?? before.warningPercent,
        directorId: dto.directorId === undefined ? before.directorId : dto.directorId,
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'complaint_settings.updated',
        entityType: 'complaint_settings',
        entityId: null,
        before,
        after,
      });
      return after;
    });
  }
}

function assertCoherent(targets: ComplaintTarget[]): void {
  const errors = targets.flatMap((target, index) => {
    const problems = [];
    if (target.resolveMinutes < target.acknowledgeMinutes)
      problems.push({
        field: `targets[${index}].resolveMinutes`,
        message: 'must not be shorter than acknowledgeMinutes',
      });
    if (targets.findIndex((other) => other.tier === target.tier && other.severity === target.severity) !== index)
      problems.push({
        field: `targets[${index}]`,
        message: `a second target for tier ${target.tier ?? 'null'} and severity ${target.severity}`,
      });
    return problems;
  });
  if (errors.length) throw new ValidationFailed(errors);
  const missing = COMPLAINT_SEVERITIES.filter(
    (severity) => !targets.some((target) => target.tier === null && target.severity === severity),
  );
  if (missing.length)
    throw new Unprocessable(
      `Every severity needs a target for customers of any other tier (tier null): missing ${missing.join(', ')}.`,
    );
}
