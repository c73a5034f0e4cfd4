import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFound, StaleVersion } from '../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import type { ChangeLeadStatusDto } from './dto/lead.dto.js';
import { leadTransitionRefusal } from './lead-lifecycle.js';
import { toLeadDto } from './lead.presenter.js';
import { type LeadRow, LeadsRepository } from './leads.repository.js';
import { SalesAccess } from './sales-access.js';
import { InvalidLeadTransition } from './sales-errors.js';
import { LeadEvents } from './sales.events.js';

/** Qualification: new → contacted → qualified, or disqualified with a reason; a 409 says why a step is refused. */
@Injectable()
export class ChangeLeadStatus {
  constructor(
    private readonly leads: LeadsRepository,
    private readonly access: SalesAccess,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
  ) {}

  async execute(
    id: string,
    command: ChangeLeadStatusDto,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<LeadRow> {
    return this.transactions.run(async (tx) => {
      const current = await this.leads.lock(tx, id);
      if (!current) throw new NotFound('Lead', id);
      await this.access.assertInBook(principal, current.ownerId, 'Lead', id);
      if (expectedVersion !== undefined && expectedVersion !== current.version)
        throw new StaleVersion('Lead', expectedVersion, current.version);
      const refusal = leadTransitionRefusal(current.status, command.status);
      if (refusal) throw new InvalidLeadTransition(refusal);
      const reason = command.status === 'disqualified' ? (command.reason ?? null) : null;
      const row = await this.leads.update(tx, id, {
        status: command.status,
        ...(command.status === 'contacted' ? { contacted_at: new Date() } : {}),
        ...(reason ? { disqualify_reason: reason } : {}),
      });
      const lead = toLeadDto(row);
      await this.audit.record(tx, principal, requestId, {
        action: `lead.${command.status}`,
        entityType: 'lead',
        entityId: id,
        before: { status: current.status },
        after: { status: row.status, disqualifyReason: row.disqualifyReason },
        fields: ['status'],
      });
      await this.outbox.record(tx, LeadEvents.statusChanged, id, {
        lead,
        from: current.status,
        to: row.status,
        reason,
      });
      return row;
    });
  }
}
