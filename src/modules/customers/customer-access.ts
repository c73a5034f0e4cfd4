import { Injectable } from '@nestjs/common';
import { hasRole, hasScope, maySeeSensitiveFields, Principal } from '../../common/auth/principal.js';
import { Forbidden } from '../../common/errors/domain-errors.js';
import { UsersService } from '../identity/users.service.js';
import { SENSITIVE_FIELDS } from './customer-fields.js';
import type { CustomerDto } from './dto/customer.dto.js';

/**
 * Who may change which customer. Everyone signed in reads every customer (one shared database);
 * salespeople change the customers they own, managers those of their team, admins and keys with
 * customers:write any.
 */
@Injectable()
export class CustomerAccess {
  constructor(private readonly users: UsersService) {}

  async assertMayChange(principal: Principal, ownerId: string | null, what = 'this customer'): Promise<void> {
    if (principal.kind === 'api_key' || hasRole(principal, 'admin')) return;
    if (ownerId === principal.id) return;
    if (principal.roles.includes('manager') && (ownerId === null || (await this.users.isManagedBy(ownerId, principal.id)))) return;
    throw new Forbidden(`Only the owner of ${what}, their manager or an administrator may change it.`);
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
    return { customer, revealed: SENSITIVE_FIELDS.filter((field) => customer[field] !== null && customer[field] !== undefined) };
  }
}
