import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Conflict, NotFound, StaleVersion, Unprocessable } from '../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { UsersService } from '../identity/users.service.js';
import { type AssignmentRuleRow, AssignmentRulesRepository, type RuleColumns } from './assignment-rules.repository.js';
import type {
  AssignmentRuleDto,
  CreateAssignmentRuleDto,
  SimulateAssignmentDto,
  SimulationDto,
  UpdateAssignmentRuleDto,
} from './dto/assignment-rule.dto.js';
import { LEAD_OWNER_ROLES, LeadAssigner } from './lead-assigner.js';

/** `/admin/lead-assignment-rules`: the ordered rules, and "who would get this lead now?". */
@Injectable()
export class AssignmentRulesService {
  constructor(
    private readonly rules: AssignmentRulesRepository,
    private readonly assigner: LeadAssigner,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<AssignmentRuleDto[]> {
    return this.rules.list();
  }

  async get(id: string): Promise<AssignmentRuleDto> {
    const row = await this.rules.find(id);
    if (!row) throw new NotFound('Lead assignment rule', id);
    return row;
  }

  async create(dto: CreateAssignmentRuleDto, principal: Principal, requestId: string): Promise<AssignmentRuleDto> {
    await this.assertSalespeople(dto.salespeople);
    return this.transactions.run(async (tx) => {
      const row = await this.rules.insert(tx, {
        name: dto.name,
        position: dto.position ?? (await this.rules.nextPosition(tx)),
        regions: dto.regions ?? [],
        industries: dto.industries ?? [],
        sources: dto.sources ?? [],
        strategy: dto.strategy,
        salespeople: dto.salespeople,
        isDefault: dto.isDefault ?? false,
      });
      if (!row) throw new Conflict('There is already a default rule: change it, or make this one an ordinary rule.');
      await this.audit.record(tx, principal, requestId, {
        action: 'lead_assignment_rule.created',
        entityType: 'lead_assignment_rule',
        entityId: row.id,
        after: row,
      });
      return row;
    });
  }

  async update(
    id: string,
    dto: UpdateAssignmentRuleDto,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<AssignmentRuleDto> {
    if (dto.salespeople) await this.assertSalespeople(dto.salespeople);
    const changes = Object.fromEntries(
      Object.entries(dto).filter(([, value]) => value !== undefined),
    ) as Partial<RuleColumns>;
    return this.transactions.run(async (tx) => {
      const current = await this.rules.lock(tx, id);
      if (!current) throw new NotFound('Lead assignment rule', id);
      if (expectedVersion !== undefined && expectedVersion !== current.version)
        throw new StaleVersion('Lead assignment rule', expectedVersion, current.version);
      if (!Object.keys(changes).length) return current;
      if (changes.isDefault && !current.isDefault && (await this.rules.list(tx)).some((rule) => rule.isDefault))
        throw new Conflict('There is already a default rule: change it, or make this one an ordinary rule.');
      const row = await this.rules.update(tx, id, changes);
      await this.audit.record(tx, principal, requestId, {
        action: 'lead_assignment_rule.updated',
        entityType: 'lead_assignment_rule',
        entityId: id,
        before: current,
        after: row,
        fields: Object.keys(changes),
      });
      return row;
    });
  }

  async remove(id: string, principal: Principal, requestId: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const current: AssignmentRuleRow | null = await this.rules.lock(tx, id);
      if (!current || !(await this.rules.remove(tx, id))) throw new NotFound('Lead assignment rule', id);
      await this.audit.record(tx, principal, requestId, {
        action: 'lead_assignment_rule.deleted',
        entityType: 'lead_assignment_rule',
        entityId: id,
        before: current,
      });
    });
  }

  async simulate(dto: SimulateAssignmentDto): Promise<SimulationDto> {
    const pick = await this.assigner.simulate({
      region: dto.region ?? null,
      industry: dto.industry ?? null,
      source: dto.source,
    });
    return { ownerId: pick?.ownerId ?? null, assignment: pick?.explanation ?? null };
  }

  private async assertSalespeople(ids: string[]): Promise<void> {
    const found = new Set(await this.users.activeWithRoles(ids, [...LEAD_OWNER_ROLES]));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length)
      throw new Unprocessable('Leads are assigned to active salespeople and managers only.', [
        { field: 'salespeople', message: `not an active salesperson or manager: ${missing.join(', ')}` },
      ]);
  }
}
