import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { Unprocessable } from '../../common/errors/domain-errors.js';
import { UsersService } from '../identity/users.service.js';
import { COMPLAINT_STAFF } from './complaint-access.js';
import { ComplaintTransitions } from './complaint-transitions.js';
import type { ComplaintRow } from './complaints.repository.js';

/**
 * An open complaint gets an owner: an active agent or manager. Send `If-Match` with the version you
 * saw, so a complaint someone else took a moment ago is not silently taken from them (412).
 */
@Injectable()
export class AssignComplaint {
  constructor(
    private readonly users: UsersService,
    private readonly transitions: ComplaintTransitions,
  ) {}

  async execute(
    command: { id: string; assigneeId: string; expectedVersion?: number },
    principal: Principal,
    requestId: string,
  ): Promise<ComplaintRow> {
    const { id, assigneeId, expectedVersion } = command;
    const assignee = await this.users.find(assigneeId);
    return this.transitions.apply(id, principal, requestId, {
      action: 'assign',
      assigneeId,
      expectedVersion,
      changes: () => {
        const problem =
          !assignee || !assignee.active
            ? 'no active user has this id'
            : !assignee.roles.some((role) => (COMPLAINT_STAFF as readonly string[]).includes(role) || role === 'admin')
              ? 'they are not an agent or a manager'
              : null;
        if (problem)
          throw new Unprocessable(`The complaint cannot be assigned to this person: ${problem}.`, [
            { field: 'assigneeId', message: problem },
          ]);
        return { assigned_to: assigneeId };
      },
      eventDetails: { assignedTo: assigneeId },
    });
  }
}
