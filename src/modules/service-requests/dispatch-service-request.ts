import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { Unprocessable } from '../../common/errors/domain-errors.js';
import { UsersService } from '../identity/users.service.js';
import { SERVICE_STAFF } from './service-request-access.js';
import { ServiceRequestTransitions } from './service-request-transitions.js';
import type { ServiceRequestRow } from './service-requests.repository.js';

/**
 * A manager sends a request to a person: an active agent, technician or manager with the skill it
 * needs, working in its region (or roaming). A request already being worked on is handed over and
 * keeps its status.
 */
@Injectable()
export class DispatchServiceRequest {
  constructor(
    private readonly users: UsersService,
    private readonly transitions: ServiceRequestTransitions,
  ) {}

  async execute(
    command: { id: string; assigneeId: string; expectedVersion?: number },
    principal: Principal,
  ): Promise<ServiceRequestRow> {
    const { id, assigneeId, expectedVersion } = command;
    const assignee = await this.users.find(assigneeId);
    return this.transitions.apply(id, principal, {
      action: (current) => (['in_progress', 'waiting_on_customer'].includes(current.status) ? 'hand_over' : 'assign'),
      changes: (current) => {
        const problem =
          !assignee || !assignee.active
            ? 'no active user has this id'
            : !assignee.roles.some((role) => (SERVICE_STAFF as readonly string[]).includes(role))
              ? 'they are not an agent, technician or manager'
              : current.requiredSkill && !assignee.skills.includes(current.requiredSkill)
                ? `they do not have the skill ${current.requiredSkill}`
                : current.region && assignee.region && assignee.region !== current.region
                  ? `they work in ${assignee.region}, not ${current.region}`
                  : null;
        if (problem)
          throw new Unprocessable(`The request cannot be assigned to this person: ${problem}.`, [
            { field: 'assigneeId', message: problem },
          ]);
        return { assigned_to: assigneeId, assigned_at: new Date() };
      },
      eventDetails: { assignedTo: assigneeId, via: 'dispatch' },
      expectedVersion,
    });
  }
}
