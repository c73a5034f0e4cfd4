import { hasRole, type Principal } from '../../common/auth/principal.js';
import { Forbidden, NotFound } from '../../common/errors/domain-errors.js';
import type { LifecycleAction } from './service-request-lifecycle.js';
import type { ServiceRequestRow } from './service-requests.repository.js';

/** Roles whose members take requests from the queue or are dispatched to. */
export const SERVICE_STAFF = ['agent', 'technician', 'manager'] as const;

/** The request, unless it does not exist or the caller may not see it (both 404). */
export function visibleTo(principal: Principal, id: string, row: ServiceRequestRow | null): ServiceRequestRow {
  if (!row || (isTechnicianOnly(principal) && row.assignedTo !== principal.id))
    throw new NotFound('Service request', id);
  return row;
}

/** A technician sees only what was dispatched to them, unless they also hold a broader role. */
export function isTechnicianOnly(principal: Principal): principal is Principal & { kind: 'user' } {
  return (
    principal.kind === 'user' &&
    principal.roles.includes('technician') &&
    !hasRole(principal, 'manager', 'agent', 'sales')
  );
}

/**
 * Managers and admins may do anything; agents and technicians only what concerns them. The work
 * steps are the assignee's; changing, closing and reopening are the service desk's (any agent: the
 * desk triages, and closes once the customer confirms), while a technician sees only their own
 * requests at all (the README's role table).
 */
export function assertMayAct(request: ServiceRequestRow, action: LifecycleAction, principal: Principal): void {
  if (hasRole(principal, 'manager')) return;
  if (action === 'assign' || action === 'hand_over')
    throw new Forbidden('Only a manager dispatches requests to people.');
  const workOnOwnOnly: LifecycleAction[] = ['start', 'wait', 'resume', 'resolve'];
  if (workOnOwnOnly.includes(action) && request.assignedTo !== principal.id) {
    throw new Forbidden(`Only the person the request is assigned to (or a manager) may ${action} it.`);
  }
}
