import { Injectable } from '@nestjs/common';
import { hasRole, hasScope, maySeeSensitiveFields, Principal } from '../../common/auth/principal.js';
import { Forbidden } from '../../common/errors/domain-errors.js';
import { UsersService } from '../identity/users.service.js';
import { SENSITIVE_FIELDS } from './customer-fields.js';
import type { CustomerDto } from './dto/customer.dto.js';

/**
 * Who may change which customer (the README's role table). Everyone signed in reads every customer
 * (one shared database); salespeople change the customers they own, managers those of their team (and
 * nobody's), admins and keys with customers:write any — and the same rule holds for adjusting their
 * points. What the customer asks for at any counter (consents, interactions, redemptions) any staff
 * member the route admits may record, for every customer.
 */
@Injectable()
export class CustomerAccess {
  constructor(private readonly users: UsersService) {}

  async assertMayChange(principal: Principal, ownerId: string | null, what = 'this customer'): Promise<void> {
    if (principal.kind === 'api_key' || hasRole(principal, 'admin')) return;
    if (ownerId === principal.id) return;
    if (
      principal.roles.includes('manager') &&
      (ownerId === null || (await this.users.isManagedBy(ownerId, principal.id)))
    )
      return;
    throw new Forbidden(`Only the owner of ${what}, their manager or an administrator may change it.`);
  }

  /** Lists by owner (the upsell list): one's own, a manager's team's, an administrator's anyone's. */
  async assertMayReadBookOf(principal: Principal, ownerId: string): Promise<void> {
    if (principal.kind === 'api_key' || hasRole(principal, 'admin') || ownerId === principal.id) return;
    if (principal.roles.includes('manager') && (await this.users.isManagedBy(ownerId, principal.id))) return;
    throw new Forbidden('A salesperson sees their own customers’ list, a manager their team’s.');
  }

  /** Reassigning a customer is a manager's decision; a salesperson may only take an unowned customer. */
  async assertMayAssignOwner(principal: Principal, newOwnerId: string): Promise<void> {
    if (principal.kind === 'api_key' || hasRole(principal, 'admin')) return;
    if (newOwnerId === principal.id) return;
    if (principal.roles.includes('manager') && (await this.users.isManagedBy(newOwnerId, principal.id))) return;
    throw new Forbidden('Only a manager may assign customers to someone else, and only within their team.');
  }

  maySeeSensitive(principal: Principal): boolean {
    return maySeeSensitiveFields(principal);
  }

  mayWriteSensitive(principal: Principal): boolean {
    return maySeeSensitiveFields(principal) || hasScope(principal, 'customers:write');
  }

  /** The customer as this caller may see it, and the sensitive fields it revealed (to audit). */
  present(principal: Principal, customer: CustomerDto): { customer: CustomerDto; revealed: string[] } {
    if (!this.maySeeSensitive(principal)) {
      const visible = { ...customer } as Partial<CustomerDto>;
      for (const field of SENSITIVE_FIELDS) delete visible[field];
      return { customer: visible as CustomerDto, revealed: [] };
    }
    return {
      customer,
      revealed: SENSITIVE_FIELDS.filter((field) => customer[field] !== null && customer[field] !== undefined),
    };
  }
}
