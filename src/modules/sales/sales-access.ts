import { Injectable } from '@nestjs/common';
import { hasRole, type Principal } from '../../common/auth/principal.js';
import { Forbidden, NotFound } from '../../common/errors/domain-errors.js';
import { UsersService } from '../identity/users.service.js';

/** Whose sales records a caller sees: null for everyone's; otherwise these owners, and nobody's when `unowned`. */
export type OwnerScope = { owners: string[]; unowned: boolean } | null;

/**
 * A salesperson's leads, opportunities and quotes are their book: they see and work their own, their
 * manager their team's (and what nobody owns yet), an administrator everyone's. A record outside the
 * caller's book is one they may not know about: 404, as the README's role table says.
 */
@Injectable()
export class SalesAccess {
  constructor(private readonly users: UsersService) {}

  async scopeOf(principal: Principal): Promise<OwnerScope> {
    if (principal.kind !== 'user') throw new Forbidden('Sales records are read by staff.');
    if (hasRole(principal, 'admin')) return null;
    if (principal.roles.includes('manager'))
      return { owners: [principal.id, ...(await this.users.teamOf(principal.id))], unowned: true };
    return { owners: [principal.id], unowned: false };
  }

  /** NotFound unless the record's owner is in the caller's book. */
  async assertInBook(principal: Principal, ownerId: string | null, entity: string, id: string): Promise<void> {
    if (!(await this.inBook(principal, ownerId))) throw new NotFound(entity, id);
  }

  async inBook(principal: Principal, ownerId: string | null): Promise<boolean> {
    if (principal.kind !== 'user') return false;
    if (hasRole(principal, 'admin')) return true;
    if (ownerId === principal.id) return true;
    if (!principal.roles.includes('manager')) return false;
    return ownerId === null || (await this.users.isManagedBy(ownerId, principal.id));
  }

  /** Narrows a requested owner filter to the caller's book: asking for someone else's is 403. */
  async assertMayReadBookOf(principal: Principal, ownerId: string): Promise<void> {
    if (!(await this.inBook(principal, ownerId)))
      throw new Forbidden('A salesperson sees their own book, a manager their team’s.');
  }
}
