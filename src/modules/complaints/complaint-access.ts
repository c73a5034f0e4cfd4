import { hasRole, type Principal } from '../../common/auth/principal.js';
import { Forbidden } from '../../common/errors/domain-errors.js';
import type { ComplaintAction } from './complaint-lifecycle.js';

/** Who works complaints: the service desk (agents) and managers; administrators may do anything. */
export const COMPLAINT_STAFF = ['agent', 'manager'] as const;

/** A salesperson without a service role sees only the complaints of the customers they own. */
export function isSalesOnly(principal: Principal): principal is Principal & { kind: 'user' } {
  return principal.kind === 'user' && principal.roles.includes('sales') && !hasRole(principal, 'manager', 'agent');
}

/**
 * Managers and admins may do anything; agents every step of the desk, but handing a complaint to
 * someone else is a manager's decision (an agent may take one themselves).
 */
export function assertMayAct(action: ComplaintAction, principal: Principal, assigneeId?: string): void {
  if (hasRole(principal, 'manager')) return;
  if (action === 'assign' && assigneeId !== principal.id)
    throw new Forbidden('Only a manager hands a complaint to someone else; an agent may take it themselves.');
}
