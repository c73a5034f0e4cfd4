import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { nextActionStatus } from './improvement-action-lifecycle.js';
import { ImprovementActionRow, ImprovementActionsRepository } from './improvement-actions.repository.js';
import { ImprovementActionsService } from './improvement-actions.service.js';

/**
 * The fix is done (R-P4): the action records what was changed, and every customer linked to it —
 * once each, however many complaints they filed — is told: an `improvement_action.reported_back`
 * event per customer (partners' messaging systems; the outreach module's care message through its
 * consent gate) and an entry on their timeline, all in the completion's transaction.
 */
@Injectable()
export class CompleteImprovementAction {
  constructor(
    private readonly actions: ImprovementActionsRepository,
    private readonly service: ImprovementActionsService,
    private readonly transactions: TransactionRunner,
  ) {}

  execute(id: string, changeSummary: string, principal: Principal, requestId: string): Promise<ImprovementActionRow> {
    return this.transactions.run(async (tx) => {
      const current = await this.service.lockForChange(tx, id, principal);
      const status = nextActionStatus(current.status, 'complete');
      const round = current.round + 1;
      await this.actions.update(tx, id, {
        status,
        round,
        change_summary: changeSummary,
        completed_at: new Date(),
        verified_at: null,
        verdict_note: null,
      });
      const completed = await this.service.recorded(tx, id, principal, requestId, 'completed');
      await this.actions.reportBack(tx, {
        id,
        round,
        summary: changeSummary,
        title: current.title,
        rootCause: current.rootCause,
      });
      return completed;
    });
  }
}
