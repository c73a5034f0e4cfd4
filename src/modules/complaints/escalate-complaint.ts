import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../../common/auth/principal.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { UsersService } from '../identity/users.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import { assertMayAct } from './complaint-access.js';
import { nextComplaintStatus } from './complaint-lifecycle.js';
import { ComplaintTargetsRepository } from './complaint-targets.repository.js';
import { ComplaintRow, ComplaintsRepository } from './complaints.repository.js';
import { ComplaintsService } from './complaints.service.js';

export interface EscalationCause {
  reason: string;
  /** A missed deadline: which clock, and when it was due. */
  clock?: string;
  deadline?: string;
}

/**
 * A complaint goes one level up the chain (R-P2): from its assignee to the assignee's manager, and from
 * there to the complaints director an administrator names (GET/PUT /admin/complaint-settings). A level
 * nobody fills is skipped (no assignee, or one without a manager: straight to the director); with no
 * director named, the managers' pool gets it. Whoever it reaches gets a task, and `complaint.escalated`
 * goes out. A missed deadline escalates (ComplaintSlaProcessor); so may the desk, by hand.
 */
@Injectable()
export class EscalateComplaint {
  constructor(
    private readonly complaints: ComplaintsRepository,
    private readonly reads: ComplaintsService,
    private readonly settings: ComplaintTargetsRepository,
    private readonly users: UsersService,
    private readonly tasks: TasksService,
    private readonly transactions: TransactionRunner,
  ) {}

  execute(id: string, reason: string, principal: Principal, requestId: string): Promise<ComplaintRow> {
    return this.transactions.run(async (tx) => {
      const current = await this.reads.visible(principal, id, await this.complaints.lock(tx, id));
      assertMayAct('escalate', principal);
      nextComplaintStatus(current.status, 'escalate');
      return this.escalate(tx, current, { reason }, { ...actorOf(principal), requestId });
    });
  }

  /** One level up, in the caller's transaction (the complaint locked by the caller). */
  async escalate(
    tx: Tx,
    current: ComplaintRow,
    cause: EscalationCause,
    actor: { actorType: string; actorId: string | null; requestId: string | null },
  ): Promise<ComplaintRow> {
    const level = current.escalationLevel + 1;
    const { directorId } = await this.settings.settings(tx);
    const manager =
      level === 1 && current.assignedTo ? ((await this.users.find(current.assignedTo))?.managerId ?? null) : null;
    const escalatedTo = manager ?? directorId;
    const taskId = await this.tasks.create(tx, {
      kind: 'complaint.escalated',
      title: `${current.number}: complaint escalated to level ${level}`,
      detail: `${current.subject} (${current.severity}): ${cause.reason}`,
      assigneeId: escalatedTo,
      assigneeRole: escalatedTo ? undefined : 'manager',
      customerId: current.customerId,
      subjectType: 'complaint',
      subjectId: current.id,
    });
    return this.complaints.update(
      tx,
      current.id,
      { escalation_level: level, escalated_to: escalatedTo },
      {
        change: 'escalated',
        summary: `escalated to level ${level}`,
        details: { level, escalatedTo, escalationTaskId: taskId, reason: cause.reason, ...clockOf(cause) },
        actor,
      },
    );
  }
}

function clockOf(cause: EscalationCause): Record<string, string> {
  return cause.clock && cause.deadline ? { clock: cause.clock, deadline: cause.deadline } : {};
}
