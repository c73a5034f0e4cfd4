import type { MessageDto, MessageStatusChangeDto, RuleDto, RunDto } from './dto/outreach.dto.js';
import type { MessageEventRow, MessageRow } from './outreach-messages.repository.js';
import type { RuleRow, RunRow } from './outreach-rules.repository.js';

export function toRuleDto(row: RuleRow): RuleDto {
  return {
    id: row.id,
    name: row.name,
    trigger: row.trigger,
    purpose: row.purpose,
    channels: row.channels,
    delayDays: row.delayDays,
    everyDays: row.everyDays,
    subject: row.subject,
    body: row.body,
    active: row.active,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toMessageDto(row: MessageRow, history?: MessageEventRow[]): MessageDto {
  return {
    id: row.id,
    customerId: row.customerId,
    ruleId: row.ruleId,
    campaignId: row.campaignId,
    purpose: row.purpose,
    channel: row.channel,
    decision: row.decision,
    reason: row.reason,
    status: row.status,
    subject: row.subject,
    body: row.body,
    sendAt: row.sendAt.toISOString(),
    taskId: row.taskId,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(history ? { history: history.map(toStatusChangeDto) } : {}),
  };
}

function toStatusChangeDto(row: MessageEventRow): MessageStatusChangeDto {
  return { status: row.status, detail: row.detail, occurredAt: row.occurredAt.toISOString() };
}

export function toRunDto(row: RunRow): RunDto {
  return {
    id: row.id,
    ruleId: row.ruleId,
    day: row.day,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    matched: row.matched,
    created: row.created,
    errors: row.errors,
  };
}
