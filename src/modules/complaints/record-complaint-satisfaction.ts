import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../../common/auth/principal.js';
import { Conflict } from '../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { InvalidComplaintTransition } from './complaints-errors.js';
import { ComplaintRow, ComplaintsRepository } from './complaints.repository.js';
import { ComplaintsService } from './complaints.service.js';

/** The customer rates the resolution (1–5), once per resolution; a reopen clears it for the next one. */
@Injectable()
export class RecordComplaintSatisfaction {
  constructor(
    private readonly complaints: ComplaintsRepository,
    private readonly reads: ComplaintsService,
    private readonly transactions: TransactionRunner,
  ) {}

  execute(
    command: { id: string; score: number; comment?: string },
    principal: Principal,
    requestId: string,
  ): Promise<ComplaintRow> {
    const { id, score, comment } = command;
    return this.transactions.run(async (tx) => {
      const current = await this.reads.visible(principal, id, await this.complaints.lock(tx, id));
      if (!['resolved', 'closed'].includes(current.status))
        throw new InvalidComplaintTransition(
          `Satisfaction is asked for once the complaint is resolved; it is ${current.status.replaceAll('_', ' ')}.`,
        );
      if (current.satisfactionScore !== null)
        throw new Conflict('Satisfaction was already recorded for this resolution.');
      return this.complaints.update(
        tx,
        id,
        { satisfaction_score: score, satisfaction_comment: comment ?? null },
        { change: 'satisfaction_recorded', details: { score }, actor: { ...actorOf(principal), requestId } },
      );
    });
  }
}
