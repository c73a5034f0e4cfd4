import { Injectable } from '@nestjs/common';
import { Conflict, NotFound } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { ContactGate, renderMessage } from './contact-gate.service.js';
import type {
  DeliveryReportDto,
  ListMessagesQuery,
  MessageDto,
  PreviewDto,
  PreviewResultDto,
} from './dto/outreach.dto.js';
import { contentKey } from './message-template.js';
import { toMessageDto } from './outreach.presenter.js';
import { type MessageStatus, OutreachMessagesRepository } from './outreach-messages.repository.js';
import { OutreachRulesService } from './outreach-rules.service.js';

/** Which reported status may follow which: a late "delivered" never overwrites "opened". */
const STATUS_RANK: Record<string, number> = {
  queued: 1,
  sent: 2,
  failed: 3,
  delivered: 3,
  opened: 4,
  clicked: 5,
  responded: 6,
};

/** Messages as the API shows them, the gate's preview, and providers' delivery reports. */
@Injectable()
export class OutreachMessagesService {
  constructor(
    private readonly messages: OutreachMessagesRepository,
    private readonly gate: ContactGate,
    private readonly rules: OutreachRulesService,
    private readonly transactions: TransactionRunner,
  ) {}

  /** What would happen and why, if the rule fired for the customer now. Writes nothing. */
  async preview(dto: PreviewDto): Promise<PreviewResultDto> {
    const rule = await this.rules.get(dto.ruleId);
    const { contact, decision } = await this.gate.decide(dto.customerId, {
      purpose: rule.purpose,
      channels: rule.channels,
      contentKey: contentKey(rule.subject, rule.body),
      now: new Date(),
    });
    const rendered = renderMessage(rule, contact, decision.channel);
    return {
      decision: decision.decision,
      reason: decision.reason,
      channel: decision.channel,
      sendAt: decision.sendAt.toISOString(),
      ...rendered,
    };
  }

  async list(query: ListMessagesQuery): Promise<Page<MessageDto>> {
    const rows = await this.messages.list(query, decodeCursor(query.cursor), query.limit);
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.cursorAt, id: row.id }),
      (row) => toMessageDto(row),
    );
  }

  async get(id: string): Promise<MessageDto> {
    const row = await this.messages.findById(id);
    if (!row) throw new NotFound('Message', id);
    return toMessageDto(row, await this.messages.history(id));
  }

  /**
   * A provider's delivery report. Idempotent by the report's id: posting it again changes nothing.
   * Its history row is always kept; the status moves only forward (a late 'delivered' after 'opened'
   * is recorded but leaves 'opened').
   */
  async report(id: string, dto: DeliveryReportDto): Promise<MessageDto> {
    await this.transactions.run(async (tx) => {
      const message = await this.messages.lock(tx, id);
      if (!message) throw new NotFound('Message', id);
      if (!(message.status in STATUS_RANK))
        throw new Conflict(`The message was never handed to a provider (it is ${message.status}).`);
      const forward = (STATUS_RANK[dto.status] ?? 0) > (STATUS_RANK[message.status] ?? 0);
      const status = (forward ? dto.status : message.status) as MessageStatus;
      await this.messages.setStatus(tx, id, status, {
        detail: forward ? (dto.detail ?? null) : `reported ${dto.status}${dto.detail ? `: ${dto.detail}` : ''}`,
        reportId: dto.reportId,
        columns: forward && dto.status === 'failed' ? { error: dto.detail ?? 'reported failed' } : {},
      });
    });
    return this.get(id);
  }
}
