import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound, StaleVersion, Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { localDate } from '../../common/time/zoned-time.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { CreateRuleDto, ListRunsQuery, RuleDto, RunDto, UpdateRuleDto } from './dto/outreach.dto.js';
import { CareScans } from './care-scans.js';
import { checkTemplate } from './message-template.js';
import { toRuleDto, toRunDto } from './outreach.presenter.js';
import { OutreachRulesRepository, RULE_COLUMNS, type RuleRow } from './outreach-rules.repository.js';

/** Care rules (R-O1): what fires, when, on which channels, with which template and purpose. */
@Injectable()
export class OutreachRulesService {
  constructor(
    private readonly rules: OutreachRulesRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly scans: CareScans,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateRuleDto, principal: Principal, requestId: string): Promise<RuleDto> {
    validateTemplates(dto);
    if (dto.trigger === 'vip_care_call' && !(dto.channels.length === 1 && dto.channels[0] === 'phone'))
      throw new ValidationFailed([
        { field: 'channels', message: 'VIP care calls are phone tasks: channels must be ["phone"]' },
      ]);
    return this.transactions.run(async (tx) => {
      const row = await this.rules.insert(tx, columnsOf(dto));
      await this.audit.record(tx, principal, requestId, {
        action: 'outreach_rule.created',
        entityType: 'outreach_rule',
        entityId: row.id,
        after: toRuleDto(row),
      });
      return toRuleDto(row);
    });
  }

  async update(
    id: string,
    dto: UpdateRuleDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<RuleDto> {
    rejectNulls(dto, ['name', 'purpose', 'channels', 'delayDays', 'subject', 'body', 'active']);
    validateTemplates(dto);
    return this.transactions.run(async (tx) => {
      const current = await this.rules.lock(tx, id);
      if (!current) throw new NotFound('Outreach rule', id);
      const expected = ifMatch ?? dto.version;
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('The outreach rule', expected, current.version);
      const { version: _version, ...changes } = dto;
      const row = Object.keys(changes).length ? await this.rules.update(tx, id, columnsOf(changes)) : current;
      await this.audit.record(tx, principal, requestId, {
        action: 'outreach_rule.updated',
        entityType: 'outreach_rule',
        entityId: id,
        before: toRuleDto(current),
        after: toRuleDto(row),
        fields: Object.keys(changes),
      });
      return toRuleDto(row);
    });
  }

  async get(id: string): Promise<RuleRow> {
    const row = await this.rules.findById(id);
    if (!row) throw new NotFound('Outreach rule', id);
    return row;
  }

  async list(query: { cursor?: string; limit: number }): Promise<Page<RuleDto>> {
    const rows = await this.rules.list(decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toRuleDto);
  }

  /** Runs a date-based rule's scan now (for `day`, default today): what the daily job does, on demand. */
  async runScan(id: string, day: string | undefined): Promise<RunDto> {
    const rule = await this.get(id);
    if (!['birthday', 'dormant', 'vip_care_call'].includes(rule.trigger))
      throw new Unprocessable(
        `Only date-based rules (birthday, dormant, vip_care_call) are scanned; this one is ${rule.trigger}.`,
      );
    if (!rule.active) throw new Unprocessable('The rule is not active.');
    const runId = await this.scans.run(rule, day ?? localDate(new Date(), this.config.OUTREACH_TIME_ZONE));
    return toRunDto((await this.rules.findRun(runId))!);
  }

  async runs(query: ListRunsQuery): Promise<Page<RunDto>> {
    const rows = await this.rules.listRuns(query.ruleId, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toRunDto);
  }
}

export function validateTemplates(dto: { subject?: string; body?: string }): void {
  for (const field of ['subject', 'body'] as const) {
    const source = dto[field];
    if (source === undefined) continue;
    try {
      checkTemplate(source);
    } catch (error) {
      throw new ValidationFailed([
        { field, message: `not a valid template: ${(error as Error).message.split('\n')[0]}` },
      ]);
    }
  }
}

function columnsOf(dto: Partial<Record<keyof typeof RULE_COLUMNS, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    (Object.keys(RULE_COLUMNS) as (keyof typeof RULE_COLUMNS)[])
      .filter((field) => dto[field] !== undefined)
      .map((field) => [RULE_COLUMNS[field], dto[field]]),
  );
}
